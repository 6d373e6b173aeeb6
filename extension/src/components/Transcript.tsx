import * as React from 'react';

import type { FeedbackAnswer } from '../feedback';
import type { ApprovalPart, Message, Rating } from '../storage';
import { MessageView } from './Messages';

interface Props {
  /** The scrolling box, so the tab can keep the newest message in view. */
  containerRef: React.RefObject<HTMLDivElement | null>;
  messages: Message[];
  streaming: boolean;
  kind: string;
  onDecide: (part: ApprovalPart, approve: boolean) => void;
  /** Absent when the relay takes no feedback. */
  onFeedback?: (handle: string, rating: Rating, comment: string | null) => Promise<FeedbackAnswer>;
}

/** The conversation, announced to screen readers as it grows; only the answer streaming now may ask approval. */
export function Transcript({ containerRef, messages, streaming, kind, onDecide, onFeedback }: Props): React.ReactElement {
  return (
    <div ref={containerRef} className="aa-transcript" aria-live="polite" aria-busy={streaming} aria-label="Conversation" role="log" data-testid="transcript">
      {messages.length === 0 ? (
        <div className="aa-empty">Ask about this {kind || 'resource'}: why is it unhealthy, what changed, what to check next.</div>
      ) : (
        messages.map((m, i) => (
          <MessageView key={i} message={m} index={i} onDecide={streaming && i === messages.length - 1 ? onDecide : undefined} onFeedback={onFeedback} />
        ))
      )}
    </div>
  );
}
