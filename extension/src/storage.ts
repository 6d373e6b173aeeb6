// Per-resource conversation state in sessionStorage, so it survives switching tabs and resources.
// Only what the user saw is kept (messages, the relay's conversation handle); never a token.

import type { AppRef, ResourceRef } from './types';

export interface ToolPart {
  type: 'tool';
  id: string;
  name: string;
  arguments: string;
  ok?: boolean;
  summary?: string;
}

export interface TextPart {
  type: 'text';
  text: string;
}

/**
 * Where an action the model asked for stands: `waiting` for the person; `approved` (running) or `denied`
 * once they clicked (or the relay said so); `expired`; `done` or `failed` (Argo CD's refusal in `message`)
 * once the approved action's result came; `refused` when the relay did not take the decision (`message`);
 * `closed` when the answer ended while it waited; `unconfirmed` when it ended after Approve, before a result.
 */
export type ApprovalState = 'waiting' | 'approved' | 'denied' | 'expired' | 'done' | 'failed' | 'refused' | 'closed' | 'unconfirmed';

export interface ApprovalPart {
  type: 'approval';
  id: string;
  call_id: string;
  tool: string;
  summary: string;
  /** The arguments as compact JSON. */
  arguments: string;
  arguments_sha256: string;
  /** The tool card this request belongs to (placed right after it): its result ends the action. */
  tool_id: string;
  /** When the relay stops waiting (epoch ms; 0: not said). */
  expires_at: number;
  state: ApprovalState;
  /** The relay's outcome (approval_result): it overrides what the tab assumed when the person clicked. */
  outcome?: 'approved' | 'denied' | 'expired';
  /** Words for the state: a refusal, or why the decision did not reach the relay. */
  message?: string;
}

export type Part = TextPart | ToolPart | ApprovalPart;

export type Rating = 'up' | 'down';

/**
 * The person's rating of an answer once it is settled: `sent` (the relay took it) or `refused` for good
 * (the relay's reason in `message`). Kept so a reloaded page shows it as given and never sends it twice;
 * the comment itself is not kept.
 */
export interface FeedbackMark {
  rating: Rating;
  state: 'sent' | 'refused';
  message?: string;
}

export interface Message {
  role: 'user' | 'assistant';
  parts: Part[];
  error?: { code: string; message: string };
  /** True while streaming; a stored message is never pending. */
  pending?: boolean;
  stopped?: boolean;
  /**
   * The relay's handle of this answer (its `end` event's `conversation`, else its `start` event's): what a
   * rating names, also long after the answer, so it is stored with the message.
   */
  handle?: string;
  feedback?: FeedbackMark;
}

export interface Conversation {
  handle: string | null;
  messages: Message[];
}

/**
 * The message with no approval left open: once its answer ended (and in storage), nothing can be approved
 * any more, so a reloaded page never offers Approve for an old request.
 */
export function endApprovals(m: Message): Message {
  if (!m.parts.some((p) => p.type === 'approval' && (p.state === 'waiting' || p.state === 'approved'))) return m;
  const parts = m.parts.map((p): Part => {
    if (p.type !== 'approval') return p;
    if (p.state === 'waiting') return { ...p, state: 'closed', message: undefined };
    if (p.state === 'approved') return { ...p, state: 'unconfirmed' };
    return p;
  });
  return { ...m, parts };
}

const PREFIX = 'argocd-assistant';
const MAX_MESSAGES = 60;
const MAX_BYTES = 400_000;

function store(): Storage | null {
  try {
    return typeof sessionStorage !== 'undefined' ? sessionStorage : null;
  } catch {
    return null; // storage disabled by the browser
  }
}

export function conversationKey(app: AppRef, res: ResourceRef): string {
  return [PREFIX, 'conv', `${app.namespace}/${app.name}`, `${res.group}/${res.kind}/${res.namespace}/${res.name}`].join('|');
}

export function loadConversation(key: string): Conversation {
  const empty: Conversation = { handle: null, messages: [] };
  try {
    const raw = store()?.getItem(key);
    if (!raw) return empty;
    const parsed = JSON.parse(raw) as Partial<Conversation>;
    return {
      handle: typeof parsed.handle === 'string' ? parsed.handle : null,
      // a stored request is never open (saved before this rule, or by hand): it shows closed, without buttons
      messages: Array.isArray(parsed.messages) ? parsed.messages.map((m) => (m && Array.isArray(m.parts) ? endApprovals(m) : m)) : [],
    };
  } catch {
    return empty;
  }
}

export function saveConversation(key: string, conv: Conversation): void {
  const s = store();
  if (!s) return;
  let messages = conv.messages.slice(-MAX_MESSAGES).map((m) => ({ ...endApprovals(m), pending: false }));
  try {
    let json = JSON.stringify({ handle: conv.handle, messages });
    while (json.length > MAX_BYTES && messages.length > 1) {
      messages = messages.slice(Math.ceil(messages.length / 4));
      json = JSON.stringify({ handle: conv.handle, messages });
    }
    s.setItem(key, json);
  } catch {
    // quota exceeded: the conversation just won't survive a tab switch
  }
}

export function clearConversation(key: string): void {
  try {
    store()?.removeItem(key);
  } catch {
    // ignore
  }
}

const TOKEN_KEY = `${PREFIX}|token`;

export function loadToken(): string | null {
  try {
    return store()?.getItem(TOKEN_KEY) ?? null;
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token) store()?.setItem(TOKEN_KEY, token);
    else store()?.removeItem(TOKEN_KEY);
  } catch {
    // ignore
  }
}

/** Logs attached to a resource's question, kept with its conversation so returning to the tab keeps them. */
export interface AttachedLogs {
  container: string;
  previous: boolean;
  pod: string | null;
  lines: string[];
}

function logsKey(key: string): string {
  return `${key}|logs`;
}

export function loadAttachedLogs(key: string): AttachedLogs | null {
  try {
    const raw = store()?.getItem(logsKey(key));
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<AttachedLogs>;
    if (typeof v.container !== 'string' || !Array.isArray(v.lines)) return null;
    return {
      container: v.container,
      previous: v.previous === true,
      pod: typeof v.pod === 'string' ? v.pod : null,
      lines: v.lines.filter((l): l is string => typeof l === 'string'),
    };
  } catch {
    return null;
  }
}

export function saveAttachedLogs(key: string, logs: AttachedLogs | null): void {
  try {
    if (logs) store()?.setItem(logsKey(key), JSON.stringify(logs));
    else store()?.removeItem(logsKey(key));
  } catch {
    // quota exceeded: the logs just won't survive a tab switch
  }
}
