import * as React from 'react';

interface Props {
  kind: string;
  name: string;
  model: string;
  /** Whether there is a conversation to leave (else New conversation is disabled). */
  canRestart: boolean;
  onNew: () => void;
}

/** The tab's title line: what is open, the model answering, and New conversation. */
export function Header({ kind, name, model, canRestart, onNew }: Props): React.ReactElement {
  return (
    <div className="aa-header">
      <h2 className="aa-title">
        Assistant <span className="aa-muted">{kind} {name}</span>
      </h2>
      {model ? <span className="aa-muted">{model}</span> : null}
      <button type="button" className="aa-btn aa-btn--small" onClick={onNew} data-testid="chat-new" disabled={!canRestart}>
        New conversation
      </button>
    </div>
  );
}
