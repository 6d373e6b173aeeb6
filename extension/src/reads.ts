// Argo CD reads the relay asks this tab to carry out (browser mode, on the proxy route): the agent's tools
// need Argo CD data, and only this browser holds the user's session (the httpOnly argocd.token cookie, sent
// on same-origin /api/v1 calls). The tab performs the GET exactly as asked and posts the raw answer back;
// the relay shapes, redacts and caps it with the MCP server's own code. Nothing is interpreted here.
// The one exception is an action the person approved in this tab: its requests (a POST, or a GET with
// `refresh`) are carried out only as actions.ts allows.

import { type Approvals, NO_APPROVALS, needsApproval, writeAllowed } from './actions';
import { routingHeaders } from './config';
import type { AppRef } from './types';

export interface ArgoCDRead {
  id: string;
  method: string;
  path: string;
  query: [string, string][];
  max_bytes: number;
  timeout_seconds: number;
  /** A POST's JSON body, sent as is. */
  body: string | null;
  /** The id of the approval an action's requests name (actions.ts). */
  approval: string | null;
}

export function toArgoCDRead(d: Record<string, unknown>): ArgoCDRead | null {
  const query = Array.isArray(d.query)
    ? d.query.filter((p): p is [string, string] => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'string'))
    : [];
  if (typeof d.id !== 'string' || typeof d.path !== 'string') return null;
  return {
    id: d.id,
    method: typeof d.method === 'string' ? d.method : 'GET',
    path: d.path,
    query,
    max_bytes: typeof d.max_bytes === 'number' && d.max_bytes > 0 ? d.max_bytes : 1 << 20,
    timeout_seconds: typeof d.timeout_seconds === 'number' && d.timeout_seconds > 0 ? d.timeout_seconds : 20,
    body: typeof d.body === 'string' ? d.body : null,
    approval: typeof d.approval === 'string' && d.approval ? d.approval : null,
  };
}

// Only the read-only endpoints the tools use: whatever the relay asks, this tab never reads outside the
// applications and ApplicationSets APIs with the user's session, and writes only what its user approved.
const SEGMENT = '[^/?#]+';
const APP_READS = `(resource-tree|resource|resource/actions|events|logs|managed-resources|revisions/${SEGMENT}/(metadata|chartdetails))`;
const ALLOWED = new RegExp(
  `^/api/v1/(applications(/${SEGMENT}(/${APP_READS})?)?|applicationsets(/${SEGMENT})?)$`,
);

/** Whether the tab carries `read` out: a read the tools use, or the request of an action approved here. */
export function readAllowed(read: ArgoCDRead, approvals: Approvals = NO_APPROVALS): boolean {
  if (read.path.includes('..')) return false;
  if (needsApproval(read)) return writeAllowed(read, approvals);
  return ALLOWED.test(read.path);
}

interface Answer {
  status: number | null;
  body: string;
  truncated: boolean;
  error: string | null;
}

/** At most `max` bytes of the body; reading stops (and the request is cancelled) at the cap. */
async function readCapped(response: Response, max: number): Promise<{ body: string; truncated: boolean }> {
  if (!response.body) {
    const text = await response.text();
    const bytes = new TextEncoder().encode(text);
    return bytes.length > max ? { body: new TextDecoder().decode(bytes.slice(0, max)), truncated: true } : { body: text, truncated: false };
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let body = '';
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > max) {
        body += decoder.decode(value.slice(0, max - size));
        await reader.cancel();
        return { body, truncated: true };
      }
      size += value.length;
      body += decoder.decode(value, { stream: true });
    }
    return { body: body + decoder.decode(), truncated: false };
  } finally {
    reader.releaseLock();
  }
}

async function perform(read: ArgoCDRead, signal: AbortSignal, approvals: Approvals): Promise<Answer> {
  if (!readAllowed(read, approvals)) {
    const why = needsApproval(read) ? ': it changes something, and only an action its user approved in the tab is carried out' : '';
    return { status: null, body: '', truncated: false, error: `the Assistant tab does not carry out ${read.method} ${read.path}${why}` };
  }
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), read.timeout_seconds * 1000);
  const stop = (): void => timeout.abort();
  signal.addEventListener('abort', stop);
  try {
    const query = new URLSearchParams(read.query).toString();
    const post = read.method === 'POST';
    const response = await fetch(query ? `${read.path}?${query}` : read.path, {
      method: read.method,
      credentials: 'same-origin',
      signal: timeout.signal,
      // exactly application/json: Argo CD's API refuses any other Content-Type (charset included) with 415
      headers: post ? { Accept: 'application/json', 'Content-Type': 'application/json' } : { Accept: 'application/json' },
      body: post ? read.body : undefined,
    });
    const { body, truncated } = await readCapped(response, read.max_bytes);
    return { status: response.status, body, truncated, error: null };
  } catch (err) {
    const reason = timeout.signal.aborted && !signal.aborted ? `no answer within ${read.timeout_seconds} s` : String(err);
    return { status: null, body: '', truncated: false, error: reason.slice(0, 500) };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
}

/**
 * Carries out one read and posts the answer to the relay (`POST <base>/api/argocd-responses`). Never
 * throws: a read the tab cannot carry out is posted as an error, which the agent is told in words.
 * `approvals` are the ones its user gave in this answer's run.
 */
export async function answerRead(
  basePath: string,
  app: AppRef,
  stream: string,
  read: ArgoCDRead,
  signal: AbortSignal,
  approvals: Approvals = NO_APPROVALS,
): Promise<void> {
  const answer = await perform(read, signal, approvals);
  if (signal.aborted) return;
  const post = (payload: Answer): Promise<Response> =>
    fetch(`${basePath}/api/argocd-responses`, {
      method: 'POST',
      credentials: 'same-origin',
      signal,
      headers: { ...routingHeaders(app), 'Content-Type': 'application/json' },
      body: JSON.stringify({ stream, id: read.id, ...payload }),
    });
  try {
    const response = await post(answer);
    if (response.status === 413) {
      // larger than the relay takes once JSON-escaped: say so instead of leaving the agent waiting
      await post({ status: null, body: '', truncated: false, error: "Argo CD's answer is too large to hand to the assistant" });
    }
  } catch {
    // the stream was stopped or the relay is gone: the answer's own stream reports that
  }
}
