// One answer as the tab keeps it: the stream's events folded into the assistant message, and the state of the
// run that streams it. Pure functions of the message and the event: no React, no fetch.

import type { ChatEvent } from './chat';
import type { Conversation, Message } from './storage';

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
}

export function newRun(key: string): Run {
  return { key, controller: new AbortController(), sawEnd: false, sawError: false, handle: null, stream: '' };
}

/** The conversation as the user left it mid-answer: the unfinished answer marked stopped, like Stop. */
export function leftMidAnswer(conv: Conversation, run: Run): Conversation {
  const messages = conv.messages.slice();
  const last = messages[messages.length - 1];
  if (!last || last.role !== 'assistant') return conv;
  const finished = run.sawEnd || run.sawError || Boolean(last.error);
  messages[messages.length - 1] = finished ? { ...last, pending: false } : { ...last, pending: false, stopped: true };
  return { ...conv, messages };
}

export function argsText(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

/** The assistant message with one streamed event applied (text, tool card, tool result, error). */
export function applyEvent(m: Message, event: ChatEvent): Message {
  switch (event.type) {
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
      const tool = { ok: event.ok, summary: event.summary };
      if (idx >= 0) parts[idx] = { ...(parts[idx] as Extract<(typeof parts)[number], { type: 'tool' }>), ...tool };
      else parts.push({ type: 'tool', id: event.id, name: event.name, arguments: '', ...tool });
      return { ...m, parts };
    }
    case 'error':
      return { ...m, error: { code: event.code, message: event.message } };
    default:
      return m;
  }
}
