import { describe, expect, it } from 'vitest';

import { applyEvent, leftMidAnswer, newRun, withFeedback } from '../src/answer';
import type { ChatEvent } from '../src/chat';
import type { Message } from '../src/storage';

const SHA = 'f'.repeat(64);

function approvalRequest(id: string, callId: string, tool: string): ChatEvent {
  return { type: 'approval_request', id, call_id: callId, tool, summary: `${tool} in words`, arguments: { application: 'payments' }, arguments_sha256: SHA, expires_in_seconds: 60 };
}

function fold(events: ChatEvent[]): Message {
  return events.reduce((m, e) => applyEvent(m, e, 1_000), { role: 'assistant', parts: [], pending: true } as Message);
}

const layout = (m: Message): string[] => m.parts.map((p) => (p.type === 'approval' ? `card:${p.tool}` : p.type === 'tool' ? `tool:${p.name}` : 'text'));

describe('approval cards in the answer', () => {
  it('places each card right after its own tool’s card, by order when the call id is not the card’s id', () => {
    const m = fold([
      { type: 'tool_call', id: 'fc_1', name: 'sync_application', arguments: {} },
      { type: 'tool_call', id: 'fc_2', name: 'refresh_application', arguments: {} },
      { type: 'tool_call', id: 'fc_3', name: 'sync_application', arguments: {} },
      approvalRequest('ap-r', 'call_2', 'refresh_application'),
      approvalRequest('ap-s1', 'call_1', 'sync_application'),
      approvalRequest('ap-s3', 'call_3', 'sync_application'),
      { type: 'token', text: 'Waiting for you.' },
    ]);
    expect(layout(m)).toEqual([
      'tool:sync_application',
      'card:sync_application',
      'tool:refresh_application',
      'card:refresh_application',
      'tool:sync_application',
      'card:sync_application',
      'text',
    ]);
    const cards = m.parts.filter((p) => p.type === 'approval');
    expect(cards.map((p) => (p.type === 'approval' ? [p.id, p.tool_id, p.expires_at] : null))).toEqual([
      ['ap-s1', 'fc_1', 61_000],
      ['ap-r', 'fc_2', 61_000],
      ['ap-s3', 'fc_3', 61_000],
    ]);
  });

  it('matches a tool card whose id is the call id directly, and appends a card whose tool card never came', () => {
    const m = fold([
      { type: 'tool_call', id: 'call_9', name: 'sync_application', arguments: {} },
      { type: 'tool_call', id: 'call_1', name: 'sync_application', arguments: {} },
      approvalRequest('ap-1', 'call_1', 'sync_application'),
      approvalRequest('ap-x', 'call_x', 'rollback_application'),
      approvalRequest('ap-1', 'call_1', 'sync_application'), // a repeated event adds nothing
    ]);
    expect(m.parts.map((p) => (p.type === 'approval' ? p.id : p.type === 'tool' ? p.id : ''))).toEqual(['call_9', 'call_1', 'ap-1', 'ap-x']);
  });

  it('follows the relay’s outcome and the approved action’s result; a declined action’s result changes nothing', () => {
    const asked = fold([{ type: 'tool_call', id: 'fc_1', name: 'sync_application', arguments: {} }, approvalRequest('ap-1', 'call_1', 'sync_application')]);
    const card = (m: Message) => m.parts.find((p) => p.type === 'approval');
    const approved = applyEvent(asked, { type: 'approval_result', id: 'ap-1', call_id: 'call_1', outcome: 'approved' });
    expect(card(approved)).toMatchObject({ state: 'approved', outcome: 'approved' });
    const refused = applyEvent(approved, { type: 'tool_result', id: 'fc_1', name: 'sync_application', ok: false, summary: 'Argo CD refused to sync' });
    expect(card(refused)).toMatchObject({ state: 'failed', message: 'Argo CD refused to sync' });
    const denied = applyEvent(asked, { type: 'approval_result', id: 'ap-1', call_id: 'call_1', outcome: 'denied' });
    const after = applyEvent(denied, { type: 'tool_result', id: 'fc_1', name: 'sync_application', ok: false, summary: 'Not done' });
    expect(card(after)).toMatchObject({ state: 'denied' });
  });

  it('leaves no request open once the answer is left: waiting ones closed, approved ones without a result unconfirmed', () => {
    const m = fold([
      { type: 'tool_call', id: 'fc_1', name: 'sync_application', arguments: {} },
      { type: 'tool_call', id: 'fc_2', name: 'refresh_application', arguments: {} },
      approvalRequest('ap-1', 'call_1', 'sync_application'),
      approvalRequest('ap-2', 'call_2', 'refresh_application'),
      { type: 'approval_result', id: 'ap-2', call_id: 'call_2', outcome: 'approved' },
    ]);
    const left = leftMidAnswer({ handle: null, messages: [m] }, newRun('k'));
    expect(left.messages[0].parts.flatMap((p) => (p.type === 'approval' ? [p.state] : []))).toEqual(['closed', 'unconfirmed']);
    expect(left.messages[0].stopped).toBe(true);
  });
});

describe('the handle a rating of the answer names', () => {
  const start: ChatEvent = { type: 'start', request_id: 'r1', conversation: 'resp-start', identity: 'browser' };

  it('is the end event’s conversation when it names one, else the start event’s', () => {
    expect(fold([start, { type: 'token', text: 'hi' }]).handle).toBe('resp-start');
    expect(fold([start, { type: 'end', usage: {}, truncated: false, conversation: 'resp-end' }]).handle).toBe('resp-end');
    expect(fold([start, { type: 'end', usage: {}, truncated: false, conversation: '' }]).handle).toBe('resp-start');
  });

  it('settles the rating on the answer with that handle only', () => {
    const a = fold([start, { type: 'end', usage: {}, truncated: false, conversation: 'resp-a' }]);
    const b = fold([start, { type: 'end', usage: {}, truncated: false, conversation: 'resp-b' }]);
    const conv = { handle: 'resp-b', messages: [a, b] };
    const marked = withFeedback(conv, 'resp-a', { rating: 'up', state: 'sent' });
    expect(marked.messages.map((m) => m.feedback ?? null)).toEqual([{ rating: 'up', state: 'sent' }, null]);
    expect(withFeedback(conv, 'resp-gone', { rating: 'up', state: 'sent' })).toBe(conv);
  });
});
