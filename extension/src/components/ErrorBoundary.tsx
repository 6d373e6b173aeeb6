import * as React from 'react';

interface State {
  error: string | null;
}

/** Keeps a bug in the tab from taking down Argo CD's resource panel. */
export class ErrorBoundary extends React.Component<{ children?: React.ReactNode }, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error.message : String(error) };
  }

  componentDidCatch(error: unknown): void {
    console.error('[argocd-assistant] the Assistant tab failed', error);
  }

  render(): React.ReactNode {
    if (this.state.error !== null) {
      return (
        <div className="aa-root" data-testid="assistant-crashed">
          <div className="aa-error" role="alert">
            <span>The Assistant tab hit an error: {this.state.error}</span>
            <button type="button" className="aa-btn aa-btn--small" onClick={() => this.setState({ error: null })}>
              Reload tab
            </button>
          </div>
        </div>
      );
    }
    return this.props.children ?? null;
  }
}
