// Same-origin calls to Argo CD's own API (the browser's argocd.token cookie authenticates them).

import type { AppRef, ResourceRef } from './types';
import { isApplicationNode } from './types';

export class ArgoCDRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ArgoCDRequestError';
  }
}

/** Argo CD's error body is `{"error","code","message"}`; keep a person-readable line of it. */
export async function errorMessage(res: Response): Promise<string> {
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as { message?: unknown; error?: unknown };
      const msg = typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : '';
      if (msg) return msg.slice(0, 300);
    } catch {
      // not JSON: fall through to the raw text
    }
    return text.trim().slice(0, 300) || `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

function appPath(app: AppRef, tail: string): string {
  return `/api/v1/applications/${encodeURIComponent(app.name)}/${tail}`;
}

export interface KubeEvent {
  [key: string]: unknown;
}

const MAX_EVENTS = 50;

export function eventsQuery(app: AppRef, res: ResourceRef): URLSearchParams {
  const q = new URLSearchParams();
  if (app.namespace) q.set('appNamespace', app.namespace);
  if (!isApplicationNode(app, res)) {
    q.set('resourceUID', res.uid);
    q.set('resourceName', res.name);
    q.set('resourceNamespace', res.namespace);
  }
  return q;
}

function eventTime(e: KubeEvent): string {
  const pick = (k: string): string => (typeof e[k] === 'string' ? (e[k] as string) : '');
  return pick('lastTimestamp') || pick('eventTime') || pick('firstTimestamp');
}

/** The resource's events (the Application's own for the Application node), newest first, capped. */
export async function fetchEvents(app: AppRef, res: ResourceRef, signal?: AbortSignal): Promise<KubeEvent[]> {
  const response = await fetch(`${appPath(app, 'events')}?${eventsQuery(app, res).toString()}`, {
    credentials: 'same-origin',
    signal,
  });
  if (response.status === 403) {
    throw new ArgoCDRequestError("You don't have permission to read events of this application.", 403);
  }
  if (!response.ok) throw new ArgoCDRequestError(await errorMessage(response), response.status);
  const body = (await response.json()) as { items?: unknown };
  const items = Array.isArray(body.items) ? (body.items as KubeEvent[]) : [];
  return items
    .slice()
    .sort((a, b) => eventTime(b).localeCompare(eventTime(a)))
    .slice(0, MAX_EVENTS);
}

/**
 * Whether the signed-in user may read this application's logs, as Argo CD's own UI asks it
 * (`GET /api/v1/account/can-i/logs/get/<project>/<app>`); null when Argo CD could not say.
 */
export async function canReadLogs(app: AppRef, signal?: AbortSignal): Promise<boolean | null> {
  const object = `${encodeURIComponent(app.project)}/${encodeURIComponent(app.name)}`;
  try {
    const response = await fetch(`/api/v1/account/can-i/logs/get/${object}`, { credentials: 'same-origin', signal });
    if (!response.ok) return null;
    const body = (await response.json()) as { value?: unknown };
    return body.value === 'yes' ? true : body.value === 'no' ? false : null;
  } catch {
    return null;
  }
}
