// The relay's chat API: POST <base>/api/chat, answered with typed SSE events.

import { routingHeaders } from './config';
import { type ArgoCDRead, toArgoCDRead } from './reads';
import { ChatHttpError, relayRefusal, str } from './refusal';
import { readSse } from './sse';
import type { AppRef, ResourceRef } from './types';

export { ChatHttpError, EXTENSION_FORBIDDEN } from './refusal';

export interface ChatContext {
  manifest: string | null;
  events: unknown[] | null;
  logs: { container: string; lines: string[]; previous: boolean } | null;
}

export interface ChatRequest {
  message: string;
  application: AppRef;
  resource: ResourceRef;
  context: ChatContext;
  conversation: string | null;
}

export type ChatEvent =
  | { type: 'start'; request_id: string; conversation: string; identity: string }
  | { type: 'token'; text: string }
  | { type: 'tool_call'; id: string; name: string; arguments: unknown }
  | { type: 'tool_result'; id: string; name: string; ok: boolean; summary: string }
  | { type: 'error'; code: string; message: string }
  | { type: 'argocd_request'; read: ArgoCDRead }
  | ({ type: 'approval_request' } & ApprovalRequest)
  | { type: 'approval_result'; id: string; call_id: string; outcome: ApprovalOutcome }
  | { type: 'end'; usage: unknown; truncated: unknown; conversation: string };

/** An action the model wants to run, waiting for the person's Approve or Deny (actions.ts). */
export interface ApprovalRequest {
  id: string;
  /** The model's call id: what the decision names (the tool_call event's id may differ). */
  call_id: string;
  tool: string;
  /** The action in plain words, e.g. "Sync application payments to its target revision, prune: no, …". */
  summary: string;
  arguments: Record<string, unknown>;
  arguments_sha256: string;
  expires_in_seconds: number;
}

export type ApprovalOutcome = 'approved' | 'denied' | 'expired';

const OUTCOMES: readonly string[] = ['approved', 'denied', 'expired'];

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

// A request the decision cannot name exactly (ids, digest) is dropped: nobody could approve it anyway, and
// the relay tells the model it expired.
function toApprovalRequest(d: Record<string, unknown>): ApprovalRequest | null {
  const args = d.arguments;
  if (!nonEmpty(d.id) || !nonEmpty(d.call_id) || !nonEmpty(d.tool)) return null;
  if (typeof d.arguments_sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(d.arguments_sha256)) return null;
  if (!args || typeof args !== 'object' || Array.isArray(args)) return null;
  const expires = d.expires_in_seconds;
  return {
    id: d.id,
    call_id: d.call_id,
    tool: d.tool,
    summary: str(d.summary),
    arguments: args as Record<string, unknown>,
    arguments_sha256: d.arguments_sha256,
    expires_in_seconds: typeof expires === 'number' && Number.isFinite(expires) && expires > 0 ? expires : 0,
  };
}

/** Turns one SSE frame into a typed event; unknown names and malformed data are dropped. */
export function toChatEvent(name: string, data: string): ChatEvent | null {
  let d: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(data);
    if (!parsed || typeof parsed !== 'object') return null;
    d = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  switch (name) {
    case 'start':
      return { type: 'start', request_id: str(d.request_id), conversation: str(d.conversation), identity: str(d.identity) };
    case 'token':
      return { type: 'token', text: str(d.text) };
    case 'tool_call':
      return { type: 'tool_call', id: str(d.id), name: str(d.name), arguments: d.arguments };
    case 'tool_result':
      return { type: 'tool_result', id: str(d.id), name: str(d.name), ok: d.ok === true, summary: str(d.summary) };
    case 'error':
      return { type: 'error', code: str(d.code), message: str(d.message) };
    case 'argocd_request': {
      const read = toArgoCDRead(d);
      return read ? { type: 'argocd_request', read } : null;
    }
    case 'approval_request': {
      const request = toApprovalRequest(d);
      return request ? { type: 'approval_request', ...request } : null;
    }
    case 'approval_result':
      if (!nonEmpty(d.id) || typeof d.outcome !== 'string' || !OUTCOMES.includes(d.outcome)) return null;
      return { type: 'approval_result', id: d.id, call_id: str(d.call_id), outcome: d.outcome as ApprovalOutcome };
    case 'end':
      return { type: 'end', usage: d.usage, truncated: d.truncated, conversation: str(d.conversation) };
    default:
      return null;
  }
}

/**
 * Sends one question and calls `onEvent` for each event as it arrives. Resolves when the stream ends
 * (with or without an `end` event; the caller decides what a missing `end` means); rejects with
 * ChatHttpError on a refusal, or with the fetch error (AbortError on Stop).
 */
export async function streamChat(
  basePath: string,
  request: ChatRequest,
  options: { token?: string | null; signal?: AbortSignal; onEvent: (event: ChatEvent) => void },
): Promise<void> {
  const response = await fetch(`${basePath}/api/chat`, {
    method: 'POST',
    credentials: 'same-origin',
    signal: options.signal,
    headers: {
      ...routingHeaders(request.application, options.token),
      // this tab carries out the agent's Argo CD reads with the user's session (browser mode)
      'X-Assistant-Browser-Reads': '1',
      'Content-Type': 'application/json',
      Accept: 'text/event-stream',
    },
    body: JSON.stringify(request),
  });
  if (!response.ok) throw await relayRefusal(response);
  const type = response.headers.get('Content-Type') ?? '';
  if (!type.includes('text/event-stream') || !response.body) {
    throw new ChatHttpError('The assistant answered with something other than a stream.', response.status, 'bad_response');
  }
  await readSse(response.body, (frame) => {
    const event = toChatEvent(frame.event, frame.data);
    if (event) options.onEvent(event);
  });
}

/**
 * A 401 (or an error event) saying the relay needs the user's own Argo CD token, and offering to paste one
 * is worth it: only when the relay accepts a pasted token, never for Argo CD's own refusal of the extension.
 */
export function needsToken(status: number, code: string, identityModes: string[] = ['pasted']): boolean {
  if (code === 'extension_forbidden' || !identityModes.includes('pasted')) return false;
  return status === 401 || /token|unauthenticated|unauthori[sz]ed/i.test(code);
}
