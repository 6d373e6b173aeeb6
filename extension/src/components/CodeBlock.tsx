import * as React from 'react';

interface Props {
  code: string;
  language: string;
}

interface State {
  copied: boolean;
}

/** A fenced code block with a copy button (clipboard API where the page allows it). */
export class CodeBlock extends React.Component<Props, State> {
  state: State = { copied: false };
  private timer: ReturnType<typeof setTimeout> | undefined;

  componentWillUnmount(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private copy = (): void => {
    try {
      const clip = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
      if (!clip) return;
      clip.writeText(this.props.code).then(
        () => {
          this.setState({ copied: true });
          if (this.timer) clearTimeout(this.timer);
          this.timer = setTimeout(() => this.setState({ copied: false }), 1500);
        },
        () => undefined,
      );
    } catch {
      // clipboard refused (insecure context): nothing to do
    }
  };

  render(): React.ReactNode {
    return (
      <div className="aa-code">
        <div className="aa-code__bar">
          <span className="aa-code__lang">{this.props.language}</span>
          <button type="button" className="aa-btn aa-btn--small" onClick={this.copy} aria-label="Copy code">
            {this.state.copied ? 'Copied' : 'Copy'}
          </button>
        </div>
        <pre>
          <code>{this.props.code}</code>
        </pre>
      </div>
    );
  }
}
