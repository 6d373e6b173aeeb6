import * as React from 'react';

import type { KubeEvent } from '../argocd';
import type { AttachedLogs } from '../storage';
import type { KubeObject } from '../types';

export type Chip = 'manifest' | 'events' | 'logs';

export interface EventsState {
  status: 'loading' | 'ready' | 'error' | 'removed';
  items: KubeEvent[];
  error?: string;
}

interface Props {
  resource: KubeObject | null | undefined;
  manifest: boolean;
  events: EventsState;
  logs: AttachedLogs | null;
  /** The resource has containers whose logs could be attached. */
  hasContainers: boolean;
  /** Whether Argo CD lets the user read the application's logs (null: not known). */
  logsAllowed: boolean | null;
  logsForm: boolean;
  open: Chip | null;
  onToggle: (chip: Chip) => void;
  onManifest: (attached: boolean) => void;
  onRemoveEvents: () => void;
  onLoadEvents: () => void;
  onRemoveLogs: () => void;
  onOpenLogsForm: () => void;
}

function eventLine(e: KubeEvent): string {
  const s = (k: string): string => (typeof e[k] === 'string' ? (e[k] as string) : '');
  const when = s('lastTimestamp') || s('eventTime') || s('firstTimestamp');
  const count = typeof e.count === 'number' && e.count > 1 ? ` (x${e.count})` : '';
  return `${when} ${s('type')} ${s('reason')}${count}: ${s('message')}`.trim();
}

function ChipView(props: { chip: Chip; label: string; open: boolean; onToggle: () => void; onRemove: () => void }): React.ReactElement {
  const { chip } = props;
  return (
    <span className="aa-chip" data-testid={`chip-${chip}`}>
      <button type="button" onClick={props.onToggle} aria-expanded={props.open} aria-controls={`aa-preview-${chip}`} title="Show what is attached">
        {props.label}
      </button>
      <button type="button" className="aa-chip__remove" onClick={props.onRemove} aria-label={`Remove ${chip}`} data-testid={`chip-${chip}-remove`}>
        ×
      </button>
    </span>
  );
}

/** What is sent with the question (manifest, events, logs) as chips, and the preview of the open one. */
export function ContextChips(props: Props): React.ReactElement {
  const { events, logs, open } = props;
  const chip = (name: Chip, label: string, onRemove: () => void): React.ReactElement => (
    <ChipView key={name} chip={name} label={label} open={open === name} onToggle={() => props.onToggle(name)} onRemove={onRemove} />
  );
  const chips: React.ReactNode[] = [];
  if (props.manifest) {
    chips.push(chip('manifest', 'Manifest', () => props.onManifest(false)));
  } else {
    chips.push(
      <button key="m" type="button" className="aa-btn aa-btn--small" onClick={() => props.onManifest(true)} data-testid="attach-manifest">
        + Manifest
      </button>,
    );
  }
  if (events.status === 'loading') {
    chips.push(
      <span key="e" className="aa-chip aa-chip--off" data-testid="chip-events-loading">
        <button type="button" disabled>
          Events…
        </button>
      </span>,
    );
  } else if (events.status === 'ready') {
    chips.push(chip('events', `Events (${events.items.length})`, props.onRemoveEvents));
  } else if (events.status === 'error') {
    chips.push(
      <span key="e" className="aa-chip aa-chip--error" data-testid="chip-events-error" title={events.error}>
        <button type="button" onClick={props.onLoadEvents} aria-label={`Events not attached: ${events.error ?? ''}. Retry`}>
          Events: not attached (retry)
        </button>
      </span>,
    );
  } else {
    chips.push(
      <button key="e" type="button" className="aa-btn aa-btn--small" onClick={props.onLoadEvents} data-testid="attach-events">
        + Events
      </button>,
    );
  }
  if (logs) {
    const label = `Logs: ${logs.container}${logs.pod ? ` of ${logs.pod}` : ''}${logs.previous ? ' (previous)' : ''}, ${logs.lines.length} lines`;
    chips.push(chip('logs', label, props.onRemoveLogs));
  }
  if (props.hasContainers && props.logsAllowed === false) {
    chips.push(
      <span key="al" className="aa-muted" data-testid="logs-not-allowed">
        Logs: not offered, your Argo CD role may not read this application's logs (RBAC `logs, get`).
      </span>,
    );
  } else if (props.hasContainers && !props.logsForm) {
    chips.push(
      <button key="al" type="button" className="aa-btn aa-btn--small" onClick={props.onOpenLogsForm} data-testid="attach-logs">
        {logs ? 'Replace logs' : 'Attach logs'}
      </button>,
    );
  }
  let preview: string | null = null;
  if (open === 'manifest') preview = JSON.stringify(props.resource ?? null, null, 2);
  else if (open === 'events') preview = events.items.length ? events.items.map(eventLine).join('\n') : 'No events.';
  else if (open === 'logs' && logs) preview = logs.lines.length ? logs.lines.join('\n') : 'No log lines.';
  return (
    <>
      <div className="aa-chips" role="group" aria-label="Context sent with your question">
        <span className="aa-muted">Context:</span>
        {chips}
      </div>
      {open && preview !== null ? (
        <pre className="aa-preview" id={`aa-preview-${open}`} data-testid={`preview-${open}`} tabIndex={0} aria-label={`${open} preview`}>
          {preview}
        </pre>
      ) : null}
    </>
  );
}
