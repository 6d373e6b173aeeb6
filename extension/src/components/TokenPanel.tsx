import * as React from 'react';

interface Props {
  /** The relay said a token of the user is needed (and accepts a pasted one). */
  needed: boolean;
  /** A pasted token is in use. */
  using: boolean;
  input: string;
  onInput: (value: string) => void;
  onSave: (e: React.FormEvent) => void;
  onForget: () => void;
}

/** The token form of the proxy route, shown only when a pasted token is the way on; or the token in use. */
export function TokenPanel(props: Props): React.ReactElement | null {
  if (props.needed) {
    return (
      <form className="aa-panel" onSubmit={props.onSave} data-testid="token-form">
        <label className="aa-field" style={{ flex: 1 }}>
          The assistant needs an Argo CD API token of your account to act as you. Paste one if your account has one
          (a local account with the apiKey capability: `argocd account generate-token`); it stays in this browser tab
          only.
          <input
            type="password"
            autoComplete="off"
            data-testid="token-input"
            value={props.input}
            onChange={(e) => props.onInput(e.target.value)}
          />
        </label>
        <button type="submit" className="aa-btn aa-btn--primary" data-testid="token-save" disabled={!props.input.trim()}>
          Use token
        </button>
      </form>
    );
  }
  if (props.using) {
    return (
      <div className="aa-muted">
        Using your pasted Argo CD token.{' '}
        <button type="button" className="aa-btn aa-btn--small" onClick={props.onForget} data-testid="token-forget">
          Forget token
        </button>
      </div>
    );
  }
  return null;
}
