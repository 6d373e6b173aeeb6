import * as React from 'react';

import type { ApprovalPart, ApprovalState } from '../storage';

/** What the card says of where the action stands: in words, never by colour alone. */
export function approvalStateText(part: ApprovalPart): string {
  const texts: Record<ApprovalState, string> = {
    waiting: 'Waiting for your approval',
    approved: 'Approved: running…',
    done: 'Approved: done',
    denied: 'Declined: nothing was run',
    expired: 'Expired: nothing was run',
    failed: 'Approved, but it did not run',
    refused: 'The assistant did not take your answer: nothing was run',
    closed: 'Not answered before the answer ended: nothing was run',
    unconfirmed: 'Approved: the answer ended before its result came. Argo CD shows how it went.',
  };
  if (part.state === 'waiting' && part.message) return `${texts.waiting}. ${part.message}`;
  if ((part.state === 'failed' || part.state === 'refused') && part.message) return part.message;
  return texts[part.state] ?? texts.closed;
}

const TONES: Record<ApprovalState, string> = {
  waiting: 'waiting',
  approved: 'running',
  done: 'ok',
  denied: 'off',
  expired: 'off',
  closed: 'off',
  unconfirmed: 'off',
  failed: 'failed',
  refused: 'failed',
};

// Arguments up to this length are shown whole on one line; longer ones fold behind a disclosure.
const SHORT_ARGUMENTS = 160;

interface Props {
  part: ApprovalPart;
  /** Given only while the answer that asked is being streamed: an old card never offers Approve. */
  onDecide?: (part: ApprovalPart, approve: boolean) => void;
}

/**
 * An action the model wants to run, for the person to approve or deny: what it does in plain words, the
 * tool and its arguments, when the request lapses, and Approve / Deny until one was clicked or the relay
 * answered. Focus moves to the state line when the clicked button is disabled, so keyboard users keep
 * their place and hear the outcome.
 */
export class ApprovalCard extends React.Component<Props> {
  private stateRef = React.createRef<HTMLDivElement>();
  private clicked = false;

  componentDidUpdate(prev: Props): void {
    if (this.clicked && prev.part.state === 'waiting' && this.props.part.state !== 'waiting') {
      this.clicked = false;
      this.stateRef.current?.focus();
    }
  }

  private decide(approve: boolean): void {
    const { part, onDecide } = this.props;
    if (!onDecide || part.state !== 'waiting') return;
    this.clicked = true;
    onDecide(part, approve);
  }

  private renderArguments(): React.ReactNode {
    const args = this.props.part.arguments;
    if (!args || args === '{}') return null;
    if (args.length <= SHORT_ARGUMENTS) return <code className="aa-approval__args">{args}</code>;
    return (
      <details className="aa-approval__more">
        <summary>Arguments ({args.length} characters)</summary>
        <code className="aa-approval__args">{args}</code>
      </details>
    );
  }

  render(): React.ReactNode {
    const { part, onDecide } = this.props;
    const live = Boolean(onDecide);
    const open = live && part.state === 'waiting';
    const base = `aa-approval-${part.id.replace(/[^A-Za-z0-9_-]/g, '').slice(-40)}`;
    const expires = part.state === 'waiting' && part.expires_at > 0 ? new Date(part.expires_at).toLocaleTimeString() : null;
    return (
      <div
        className={`aa-approval aa-approval--${TONES[part.state] ?? 'off'}`}
        data-testid="approval-card"
        data-state={part.state}
        data-tool={part.tool}
        role="group"
        aria-labelledby={`${base}-title ${base}-summary`}
      >
        <div className="aa-approval__title" id={`${base}-title`}>
          The assistant asks to run an action
        </div>
        <div className="aa-approval__summary" id={`${base}-summary`}>
          {part.summary || part.tool}
        </div>
        <div className="aa-approval__call">
          <span className="aa-tool__name">{part.tool}</span> {this.renderArguments()}
        </div>
        <div className="aa-approval__state" data-testid="approval-state" ref={this.stateRef} tabIndex={-1}>
          {approvalStateText(part)}
        </div>
        {live ? (
          <div className="aa-approval__buttons">
            <button
              type="button"
              className="aa-btn aa-btn--primary"
              onClick={() => this.decide(true)}
              disabled={!open}
              aria-describedby={`${base}-summary`}
              data-testid="approval-approve"
            >
              Approve
            </button>
            <button
              type="button"
              className="aa-btn"
              onClick={() => this.decide(false)}
              disabled={!open}
              aria-describedby={`${base}-summary`}
              data-testid="approval-deny"
            >
              Deny
            </button>
          </div>
        ) : null}
        {open && expires ? (
          <div className="aa-muted" data-testid="approval-expires">
            Open until {expires}; if nobody answers by then, nothing is run.
          </div>
        ) : null}
      </div>
    );
  }
}
