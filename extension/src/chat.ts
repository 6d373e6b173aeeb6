// The relay's chat API: POST <base>/api/chat, answered with typed SSE events.

import { routingHeaders } from './config';
import { type ArgoCDRead, toArgoCDRead } from './reads';
import { readSse } from './sse';
import type { AppRef, ResourceRef } from './types';

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
  | { type: 'end'; usage: unknown; truncated: unknown; conversation: string };

/** A refusal before the stream started (HTTP status other than 200). */
export class ChatHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ChatHttpError';
  }
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
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
    case 'end':
      return { type: 'end', usage: d.usage, truncated: d.truncated, conversation: str(d.conversation) };
    default:
      return null;
  }
}

export const EXTENSION_FORBIDDEN =
  'Argo CD did not let your account use the Assistant ("Unauthorized extension request"). Using it needs the RBAC ' +
  'permission `extensions, invoke, assistant` (and read access to this application). Ask an Argo CD administrator ' +
  'to add a line such as `p, role:<your role>, extensions, invoke, assistant, allow` to the argocd-rbac-cm ConfigMap.';

async function refusal(res: Response): Promise<ChatHttpError> {
  let message = '';
  let code = '';
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      const detail = body.detail;
      const inner = detail && typeof detail === 'object' ? (detail as Record<string, unknown>) : body;
      message = str(inner.message) || (typeof detail === 'string' ? detail : '') || str(body.error);
      code = str(inner.code);
    } catch {
      message = text.trim();
    }
  } catch {
    // body unreadable: the status alone speaks
  }
  if (res.status === 401 && !code && /unauthorized extension request/i.test(message)) {
    // Argo CD's proxy itself refused: the user lacks `extensions, invoke, assistant` (or read access to the
    // application). No token helps with that, so say who can fix it and how.
    return new ChatHttpError(EXTENSION_FORBIDDEN, 401, 'extension_forbidden');
  }
  if (!message) message = `The assistant answered HTTP ${res.status}.`;
  return new ChatHttpError(message.slice(0, 400), res.status, code);
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
  if (!response.ok) throw await refusal(response);
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
