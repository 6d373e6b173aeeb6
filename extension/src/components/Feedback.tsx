import * as React from 'react';

import { COMMENT_MAX, type FeedbackAnswer } from '../feedback';
import type { FeedbackMark, Rating } from '../storage';

// Material Design's thumb_up (Apache-2.0); thumbs down is the same hand turned over (CSS). Inline, so the
// icon needs no icon font from the host page.
const THUMB = 'M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z';

function Thumb(props: { rating: Rating }): React.ReactElement {
  return (
    <svg className={`aa-feedback__icon aa-feedback__icon--${props.rating}`} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={THUMB} />
    </svg>
  );
}

const LABELS: Record<Rating, string> = { up: 'Helpful', down: 'Not helpful' };

/** A stored mark as the tab can trust it (storage may hold anything). */
function settled(mark: FeedbackMark | undefined): FeedbackMark | null {
  if (!mark || (mark.rating !== 'up' && mark.rating !== 'down')) return null;
  return mark.state === 'sent' || mark.state === 'refused' ? mark : null;
}

/** Where the rating stands, in words (the pressed button's colour is never the only sign). */
export function feedbackStateText(mark: FeedbackMark | null, sending: boolean, retry: string | null): string {
  if (mark?.state === 'sent') return `Thanks for the feedback: you marked this answer as ${mark.rating === 'up' ? 'helpful' : 'not helpful'}.`;
  if (mark?.state === 'refused') return `Your feedback was not sent. ${mark.message || 'The assistant did not take it.'}`;
  if (sending) return 'Sending…';
  if (retry) return `${retry} Try again.`;
  return '';
}

interface Props {
  /** The relay's handle of the answer rated. */
  handle: string;
  /** The rating once the relay took it or refused it for good (from the stored conversation). */
  mark?: FeedbackMark;
  /** Posts the rating; the host stores a settled outcome into the conversation (it comes back as `mark`). */
  onSend: (handle: string, rating: Rating, comment: string | null) => Promise<FeedbackAnswer>;
}

interface State {
  /** The button clicked, before the rating is sent. */
  rating: Rating | null;
  comment: string;
  sending: boolean;
  /** Why the last try did not reach the relay (network, 5xx): the person may send again. */
  retry: string | null;
}

/**
 * Helpful / Not helpful under a finished answer: a click picks one and opens an optional comment; Send or
 * Skip posts the rating once. Once the relay took it (or refused it for good) the buttons stay disabled
 * with the choice pressed, and focus moves to the state line so keyboard users hear how it went.
 */
export class Feedback extends React.Component<Props, State> {
  state: State = { rating: null, comment: '', sending: false, retry: null };
  private stateRef = React.createRef<HTMLDivElement>();
  private commentRef = React.createRef<HTMLTextAreaElement>();
  private unmounted = false;
  // one post at a time, however fast the clicks (state updates may not have landed yet)
  private busy = false;
  private sent = false;

  componentDidUpdate(_prev: Props, prevState: State): void {
    if (prevState.rating === null && this.state.rating !== null && !settled(this.props.mark)) {
      this.commentRef.current?.focus();
    }
    if (this.sent && !this.state.sending && prevState.sending) {
      this.sent = false;
      this.stateRef.current?.focus();
    }
  }

  componentWillUnmount(): void {
    this.unmounted = true;
  }

  private pick(rating: Rating): void {
    if (settled(this.props.mark) || this.state.sending) return;
    this.setState({ rating });
  }

  private send(withComment: boolean): void {
    const rating = this.state.rating;
    if (!rating || this.busy || settled(this.props.mark)) return;
    this.busy = true;
    this.sent = true;
    this.setState({ sending: true, retry: null });
    const comment = withComment ? this.state.comment.slice(0, COMMENT_MAX) : null;
    void this.props.onSend(this.props.handle, rating, comment).then((answer) => {
      this.busy = false;
      if (this.unmounted) return;
      // a settled outcome comes back through `mark`; only a try that did not arrive is this component's own
      this.setState({ sending: false, retry: answer.ok || answer.final ? null : answer.message });
    });
  }

  private onCommentKeyDown = (e: React.KeyboardEvent<HTMLTextAreaElement>): void => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      this.send(true);
    }
  };

  private renderButton(rating: Rating, chosen: Rating | null, disabled: boolean): React.ReactNode {
    return (
      <button
        type="button"
        className="aa-btn aa-btn--small aa-feedback__rate"
        aria-pressed={chosen === rating}
        disabled={disabled}
        onClick={() => this.pick(rating)}
        data-testid={`feedback-${rating}`}
      >
        <Thumb rating={rating} />
        {LABELS[rating]}
      </button>
    );
  }

  render(): React.ReactNode {
    const mark = settled(this.props.mark);
    const { rating, comment, sending, retry } = this.state;
    const chosen = mark ? mark.rating : rating;
    const text = feedbackStateText(mark, sending, retry);
    const base = `aa-feedback-${this.props.handle.replace(/[^A-Za-z0-9_-]/g, '').slice(-40)}`;
    const left = COMMENT_MAX - comment.length;
    return (
      <div className="aa-feedback" data-testid="feedback" data-state={mark ? mark.state : sending ? 'sending' : rating ? 'chosen' : 'open'} role="group" aria-labelledby={`${base}-prompt`}>
        <span className="aa-muted" id={`${base}-prompt`}>
          Was this answer helpful?
        </span>
        {this.renderButton('up', chosen, Boolean(mark) || sending)}
        {this.renderButton('down', chosen, Boolean(mark) || sending)}
        {text ? (
          <div
            className={`aa-feedback__state${mark?.state === 'refused' || retry ? ' aa-feedback__state--refused' : ''}`}
            data-testid="feedback-state"
            ref={this.stateRef}
            tabIndex={-1}
          >
            {text}
          </div>
        ) : null}
        {!mark && rating ? (
          <div className="aa-feedback__comment">
            <label className="aa-sr" htmlFor={`${base}-comment`}>
              Comment on the answer (optional)
            </label>
            <textarea
              ref={this.commentRef}
              id={`${base}-comment`}
              data-testid="feedback-comment"
              rows={2}
              maxLength={COMMENT_MAX}
              placeholder="What was good or missing? (optional)"
              value={comment}
              disabled={sending}
              aria-describedby={left <= 200 ? `${base}-left` : undefined}
              onChange={(e) => this.setState({ comment: e.target.value.slice(0, COMMENT_MAX) })}
              onKeyDown={this.onCommentKeyDown}
            />
            <div className="aa-feedback__buttons">
              <button type="button" className="aa-btn aa-btn--primary aa-btn--small" onClick={() => this.send(true)} disabled={sending} data-testid="feedback-send">
                Send
              </button>
              <button type="button" className="aa-btn aa-btn--small" onClick={() => this.send(false)} disabled={sending} data-testid="feedback-skip">
                Skip comment
              </button>
              {left <= 200 ? (
                <span className="aa-muted" id={`${base}-left`} data-testid="feedback-left">
                  {left} of {COMMENT_MAX} characters left
                </span>
              ) : null}
            </div>
          </div>
        ) : null}
      </div>
    );
  }
}
