import * as React from 'react';

import type { ContainerChoice, LogRequest } from '../logs';

interface Props {
  containers: ContainerChoice[];
  defaultLines: number;
  maxLines: number;
  busy: boolean;
  onAttach: (req: LogRequest) => void;
  onCancel: () => void;
}

interface State {
  container: string;
  lines: string;
  previous: boolean;
}

/** The guided log choice: container (init containers marked), how many lines, previous container. */
export class LogsForm extends React.Component<Props, State> {
  constructor(props: Props) {
    super(props);
    this.state = {
      container: props.containers.length === 1 ? props.containers[0].name : '',
      lines: String(props.defaultLines),
      previous: false,
    };
  }

  private lines(): number | null {
    const n = Number(this.state.lines);
    return Number.isInteger(n) && n >= 1 && n <= this.props.maxLines ? n : null;
  }

  private submit = (e: React.FormEvent): void => {
    e.preventDefault();
    const lines = this.lines();
    if (!this.state.container || lines === null || this.props.busy) return;
    this.props.onAttach({ container: this.state.container, tailLines: lines, previous: this.state.previous });
  };

  render(): React.ReactNode {
    const { containers, maxLines, busy } = this.props;
    const lines = this.lines();
    return (
      <form className="aa-panel" onSubmit={this.submit} data-testid="logs-form" aria-label="Attach logs">
        <label className="aa-field">
          Container
          <select
            data-testid="logs-container"
            value={this.state.container}
            onChange={(e) => this.setState({ container: e.target.value })}
            autoFocus
          >
            <option value="" disabled>
              Choose a container…
            </option>
            {containers.map((c) => (
              <option key={`${c.init ? 'init' : 'main'}:${c.name}`} value={c.name}>
                {c.init ? `${c.name} (init)` : c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="aa-field">
          Lines (1–{maxLines})
          <input
            type="number"
            data-testid="logs-lines"
            min={1}
            max={maxLines}
            value={this.state.lines}
            onChange={(e) => this.setState({ lines: e.target.value })}
            aria-invalid={lines === null}
          />
        </label>
        <label className="aa-field aa-field--inline">
          <input
            type="checkbox"
            data-testid="logs-previous"
            checked={this.state.previous}
            onChange={(e) => this.setState({ previous: e.target.checked })}
          />
          &nbsp;Previous container (before the last restart)
        </label>
        <button
          type="submit"
          className="aa-btn aa-btn--primary"
          data-testid="logs-attach"
          disabled={busy || !this.state.container || lines === null}
        >
          {busy ? 'Fetching logs…' : 'Attach'}
        </button>
        <button type="button" className="aa-btn" onClick={this.props.onCancel}>
          Cancel
        </button>
      </form>
    );
  }
}
