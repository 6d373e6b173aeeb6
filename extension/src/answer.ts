// One answer as the tab keeps it: the stream's events folded into the assistant message, and the state of the
// run that streams it. Pure functions of the message and the event: no React, no fetch.

import type { ApprovedAction } from './actions';
import type { ApprovalRequest, ChatEvent } from './chat';
import {
  type ApprovalPart,
  type Conversation,
  endApprovals,
  type FeedbackMark,
  loadConversation,
  type Message,
  type Part,
  saveConversation,
  type ToolPart,
} from './storage';

/** One question being answered: its callbacks act only while it is the current run of its conversation. */
export interface Run {
  key: string;
  controller: AbortController;
  sawEnd: boolean;
  sawError: boolean;
  // The relay's handle names the response being streamed; it is only worth continuing from once that
  // response completed (llama-stack refuses an unfinished one as previous_response_id, e.g. after Stop).
  handle: string | null;
  /** The relay's id of this answer's stream: Argo CD reads it asks for are answered for this stream. */
  stream: string;
  /** The actions this answer asked approval for (by approval id), as the relay's events named them. */
  asked: Map<string, ApprovedAction>;
  /** The ones the person clicked Approve or Deny on (one decision each, however fast the clicks). */
  decided: Set<string>;
  /** The ones the person approved: only their requests are carried out (never restored from storage). */
  approved: Map<string, ApprovedAction>;
}

export function newRun(key: string): Run {
  return {
    key,
    controller: new AbortController(),
    sawEnd: false,
    sawError: false,
    handle: null,
    stream: '',
    asked: new Map(),
    decided: new Set(),
    approved: new Map(),
  };
}

/** The conversation as the user left it mid-answer: the unfinished answer marked stopped, like Stop. */
export function leftMidAnswer(conv: Conversation, run: Run): Conversation {
  const messages = conv.messages.slice();
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'assistant') return conv;
  const finished = run.sawEnd || run.sawError || Boolean(last.error);
  const ended = endApprovals(last);
  messages[messages.length - 1] = finished ? { ...ended, pending: false } : { ...ended, pending: false, stopped: true };
  return { ...conv, messages };
}

export function argsText(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The message with the approval part `id` changed by `fn` (unchanged when there is none). */
export function updateApproval(m: Message, id: string, fn: (p: ApprovalPart) => ApprovalPart): Message {
  const idx = m.parts.findIndex((p) => p.type === 'approval' && p.id === id);
  if (idx < 0) return m;
  const parts = m.parts.slice();
  parts[idx] = fn(parts[idx] as ApprovalPart);
  return { ...m, parts };
}

/**
 * The approval card placed after its tool's card: the one with the call's id when the relay uses it for
 * both, else (the tool_call event names the item, not the call) the earliest card of that tool still
 * running without a card of its own. Calls of one round are announced before any of them runs, in order.
 */
function addApproval(m: Message, request: ApprovalRequest, now: number): Message {
  if (m.parts.some((p) => p.type === 'approval' && p.id === request.id)) return m;
  const claimed = new Set(m.parts.map((p) => (p.type === 'approval' ? p.tool_id : null)));
  const isTool = (p: Part): p is ToolPart => p.type === 'tool';
  let idx = m.parts.findIndex((p) => isTool(p) && p.id === request.call_id);
  if (idx < 0) idx = m.parts.findIndex((p) => isTool(p) && p.name === request.tool && p.ok === undefined && !claimed.has(p.id));
  const part: ApprovalPart = {
    type: 'approval',
    id: request.id,
    call_id: request.call_id,
    tool: request.tool,
    summary: request.summary,
    arguments: JSON.stringify(request.arguments),
    arguments_sha256: request.arguments_sha256,
    tool_id: idx >= 0 ? (m.parts[idx] as ToolPart).id : request.call_id,
    expires_at: request.expires_in_seconds > 0 ? now + request.expires_in_seconds * 1000 : 0,
    state: 'waiting',
  };
  const parts = m.parts.slice();
  parts.splice(idx >= 0 ? idx + 1 : parts.length, 0, part);
  return { ...m, parts };
}

/** The approved action ended with its tool's result: done, or Argo CD's refusal in words. */
function actionResult(m: Message, tool: ToolPart): Message {
  const part = m.parts.find((p): p is ApprovalPart => p.type === 'approval' && p.tool_id === tool.id);
  if (!part || part.outcome !== 'approved') return m;
  return updateApproval(m, part.id, (p) => (tool.ok ? { ...p, state: 'done' } : { ...p, state: 'failed', message: tool.summary }));
}

/** The conversation with the rating of its answer `handle` settled (unchanged when no answer has it). */
export function withFeedback(conv: Conversation, handle: string, mark: FeedbackMark): Conversation {
  if (!conv.messages.some((m) => m.role === 'assistant' && m.handle === handle)) return conv;
  const messages = conv.messages.map((m) => (m.role === 'assistant' && m.handle === handle ? { ...m, feedback: mark } : m));
  return { ...conv, messages };
}

/** The rating's outcome written into the stored conversation `key` (not the one on screen). */
export function markStoredFeedback(key: string, handle: string, mark: FeedbackMark): void {
  const stored = loadConversation(key);
  const marked = withFeedback(stored, handle, mark);
  if (marked !== stored) saveConversation(key, marked);
}

/**
 * The assistant message with one streamed event applied (its handle, text, tool card, tool result, approval
 * card and its outcome, error). `now` dates an approval request's expiry.
 */
export function applyEvent(m: Message, event: ChatEvent, now: number = Date.now()): Message {
  switch (event.type) {
    case 'start':
    case 'end':
      // The answer's handle, for rating it later: the end's names the last round's response; the start's
      // stands when the end names none (and for an answer that never ended).
      return event.conversation ? { ...m, handle: event.conversation } : m;
    case 'token': {
      const parts = m.parts.slice();
      const last = parts[parts.length - 1];
      if (last && last.type === 'text') parts[parts.length - 1] = { type: 'text', text: last.text + event.text };
      else parts.push({ type: 'text', text: event.text });
      return { ...m, parts };
    }
    case 'tool_call':
      return { ...m, parts: [...m.parts, { type: 'tool', id: event.id, name: event.name, arguments: argsText(event.arguments) }] };
    case 'tool_result': {
      const parts = m.parts.slice();
      let idx = -1;
      for (let i = parts.length - 1; i >= 0; i--) {
        const p = parts[i];
        if (p.type === 'tool' && (p.id === event.id || (!event.id && p.name === event.name))) {
          idx = i;
          break;
        }
      }
      const result = { ok: event.ok, summary: event.summary };
      const tool: ToolPart = idx >= 0 ? { ...(parts[idx] as ToolPart), ...result } : { type: 'tool', id: event.id, name: event.name, arguments: '', ...result };
      if (idx >= 0) parts[idx] = tool;
      else parts.push(tool);
      return actionResult({ ...m, parts }, tool);
    }
    case 'approval_request':
      return addApproval(m, event, now);
    case 'approval_result':
      // the relay's word: it replaces what the tab showed on the click, or a refusal it raced with
      return updateApproval(m, event.id, (p) => ({ ...p, outcome: event.outcome, state: event.outcome, message: undefined }));
    case 'error':
      return { ...m, error: { code: event.code, message: event.message } };
    default:
      return m;
  }
}
