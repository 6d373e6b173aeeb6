import * as React from 'react';

import { type ContainerChoice, type LogRequest, MAX_LOG_PODS } from '../logs';

interface Props {
  containers: ContainerChoice[];
  /** A workload's pods from the resource tree; null for a Pod, or when the tree does not say. */
  pods: string[] | null;
  kind: string;
  defaultLines: number;
  maxLines: number;
  busy: boolean;
  onAttach: (req: LogRequest) => void;
  onCancel: () => void;
}

interface State {
  pod: string;
  container: string;
  lines: string;
  previous: boolean;
}

/**
 * The guided log choice: which pod of a workload (all of them by default; one is required beyond Argo CD's
 * 10-pod limit), container (init containers marked), how many lines, previous container.
 */
export class LogsForm extends React.Component<Props, State> {
  constructor(props: Props) {
    super(props);
    this.state = {
      pod: '',
      container: props.containers.length === 1 ? props.containers[0].name : '',
      lines: String(props.defaultLines),
      previous: false,
    };
  }

  private lines(): number | null {
    const n = Number(this.state.lines);
    return Number.isInteger(n) && n >= 1 && n <= this.props.maxLines ? n : null;
  }

  private podRequired(): boolean {
    return this.props.pods !== null && this.props.pods.length > MAX_LOG_PODS;
  }

  private submit = (e: React.FormEvent): void => {
    e.preventDefault();
    const lines = this.lines();
    if (!this.state.container || lines === null || this.props.busy) return;
    if (this.podRequired() && !this.state.pod) return;
    const req: LogRequest = { container: this.state.container, tailLines: lines, previous: this.state.previous };
    if (this.state.pod) req.pod = this.state.pod;
    this.props.onAttach(req);
  };

  private renderPods(): React.ReactNode {
    const { pods } = this.props;
    if (pods === null) return null;
    const required = this.podRequired();
    return (
      <label className="aa-field">
        Pod
        <select data-testid="logs-pod" value={this.state.pod} onChange={(e) => this.setState({ pod: e.target.value })} autoFocus>
          {required ? (
            <option value="" disabled>
              Choose a pod… ({pods.length}; Argo CD shows at most {MAX_LOG_PODS} at once)
            </option>
          ) : (
            <option value="">{pods.length === 1 ? 'The pod' : `All ${pods.length} pods`}</option>
          )}
          {pods.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
    );
  }

  render(): React.ReactNode {
    const { containers, maxLines, busy, pods } = this.props;
    if (pods !== null && pods.length === 0) {
      return (
        <div className="aa-panel" data-testid="logs-form" role="group" aria-label="Attach logs">
          <span data-testid="logs-no-pods">
            This {this.props.kind} has no pods right now, so there are no logs to attach.
          </span>
          <button type="button" className="aa-btn" onClick={this.props.onCancel} autoFocus data-testid="logs-cancel">
            Close
          </button>
        </div>
      );
    }
    const lines = this.lines();
    const missingPod = this.podRequired() && !this.state.pod;
    return (
      <form className="aa-panel" onSubmit={this.submit} data-testid="logs-form" aria-label="Attach logs">
        {this.renderPods()}
        <label className="aa-field">
          Container
          <select
            data-testid="logs-container"
            value={this.state.container}
            onChange={(e) => this.setState({ container: e.target.value })}
            autoFocus={pods === null}
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
          disabled={busy || !this.state.container || lines === null || missingPod}
        >
          {busy ? 'Fetching logs…' : 'Attach'}
        </button>
        <button type="button" className="aa-btn" onClick={this.props.onCancel} data-testid="logs-cancel">
          Cancel
        </button>
      </form>
    );
  }
}
