import * as React from 'react';

import type { FeedbackAnswer } from '../feedback';
import { renderMarkdown } from '../markdown';
import type { ApprovalPart, Message, Rating, ToolPart } from '../storage';
import { ApprovalCard } from './ApprovalCard';
import { Feedback } from './Feedback';

export function ToolCard(props: { part: ToolPart }): React.ReactElement {
  const { part } = props;
  const state = part.ok === undefined ? 'running' : part.ok ? 'ok' : 'failed';
  return (
    <div className={`aa-tool aa-tool--${state}`} data-testid="tool-card" data-tool={part.name}>
      <div>
        <span className="aa-tool__name">{part.name}</span>{' '}
        <span className="aa-muted">{state === 'running' ? 'running…' : state === 'ok' ? 'ok' : 'error'}</span>
      </div>
      {part.arguments ? <div className="aa-tool__args">{part.arguments}</div> : null}
      {part.summary ? <div>{part.summary}</div> : null}
    </div>
  );
}

interface MessageProps {
  message: Message;
  index: number;
  /** Only for the answer being streamed: its approval cards take Approve / Deny. */
  onDecide?: (part: ApprovalPart, approve: boolean) => void;
  /** Given when the relay takes ratings of answers (its config says so). */
  onFeedback?: (handle: string, rating: Rating, comment: string | null) => Promise<FeedbackAnswer>;
}

/**
 * Whether an answer can be rated: it is over, the relay named it (a handle to rate), and there is something
 * to rate: an answer that failed or was stopped before any text has none.
 */
export function rateable(message: Message): boolean {
  if (message.role !== 'assistant' || message.pending || typeof message.handle !== 'string' || !message.handle) return false;
  const text = message.parts.some((p) => p.type === 'text' && p.text.trim() !== '');
  return text || (!message.error && !message.stopped);
}

export function MessageView(props: MessageProps): React.ReactElement {
  const { message } = props;
  if (message.role === 'user') {
    const text = message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    return (
      <div className="aa-msg aa-msg--user" data-testid="message-user">
        <span className="aa-sr">You: </span>
        {text}
      </div>
    );
  }
  const empty = message.parts.length === 0;
  // How the answer ended, for tests and styling: an answer that is neither stopped nor failed saw `end`.
  const state = message.pending ? 'streaming' : message.stopped ? 'stopped' : message.error ? 'error' : 'done';
  return (
    <div
      className="aa-msg aa-msg--assistant"
      data-testid="message-assistant"
      data-pending={message.pending ? 'true' : 'false'}
      data-state={state}
    >
      <span className="aa-sr">Assistant: </span>
      {message.parts.map((part, i) =>
        part.type === 'tool' ? (
          <ToolCard key={`t${i}`} part={part} />
        ) : part.type === 'approval' ? (
          <ApprovalCard key={`a${part.id}`} part={part} onDecide={props.onDecide} />
        ) : (
          <div key={`m${i}`}>{renderMarkdown(part.text, `m${props.index}.${i}`)}</div>
        ),
      )}
      {message.pending ? <span className="aa-cursor" aria-hidden="true" /> : null}
      {!message.pending && empty && !message.error && !message.stopped ? <span className="aa-muted">(no answer)</span> : null}
      {!message.pending && empty && message.error ? <span className="aa-muted">No answer: see the message below.</span> : null}
      {message.stopped ? <div className="aa-muted">Stopped.</div> : null}
      {props.onFeedback && message.handle && rateable(message) ? (
        <Feedback key={message.handle} handle={message.handle} mark={message.feedback} onSend={props.onFeedback} />
      ) : null}
    </div>
  );
}
