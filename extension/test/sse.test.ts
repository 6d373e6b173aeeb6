import { describe, expect, it } from 'vitest';

import { createSseParser, readSse, type SseEvent } from '../src/sse';
import { toChatEvent } from '../src/chat';

function parseAll(chunks: string[]): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parser = createSseParser(
    (e) => events.push(e),
    (c) => comments.push(c),
  );
  chunks.forEach((c) => parser.push(c));
  parser.end();
  return { events, comments };
}

const STREAM =
  'event: start\ndata: {"request_id":"r1","conversation":"c1","identity":"cookie"}\n\n' +
  ': heartbeat\n\n' +
  'event: token\ndata: {"text":"Hel"}\n\n' +
  'event: token\ndata: {"text":"lo"}\n\n' +
  'event: end\ndata: {"usage":{},"truncated":false}\n\n';

describe('SSE parser', () => {
  it('parses a whole stream into named events and reports heartbeat comments', () => {
    const { events, comments } = parseAll([STREAM]);
    expect(events.map((e) => e.event)).toEqual(['start', 'token', 'token', 'end']);
    expect(JSON.parse(events[1].data)).toEqual({ text: 'Hel' });
    expect(comments).toEqual(['heartbeat']);
  });

  it('gives the same events whatever the chunk boundaries, one character at a time included', () => {
    const whole = parseAll([STREAM]).events;
    expect(parseAll(STREAM.split('')).events).toEqual(whole);
    for (const size of [2, 3, 7, 13]) {
      const chunks: string[] = [];
      for (let i = 0; i < STREAM.length; i += size) chunks.push(STREAM.slice(i, i + size));
      expect(parseAll(chunks).events).toEqual(whole);
    }
  });

  it('accepts CRLF and lone CR line endings, even when a CRLF is split between chunks', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    expect(parseAll([crlf]).events).toEqual(parseAll([STREAM]).events);
    const cut = crlf.indexOf('\r\n') + 1;
    expect(parseAll([crlf.slice(0, cut), crlf.slice(cut)]).events).toEqual(parseAll([STREAM]).events);
    expect(parseAll([STREAM.replace(/\n/g, '\r')]).events).toEqual(parseAll([STREAM]).events);
  });

  it('joins multi-line data with newlines and strips one leading space only', () => {
    const { events } = parseAll(['event: token\ndata:  two spaces\ndata:line2\ndata\n\n']);
    expect(events).toEqual([{ event: 'token', data: ' two spaces\nline2\n' }]);
  });

  it('defaults the event name to message, ignores unknown fields and drops an unterminated event', () => {
    const { events } = parseAll(['retry: 10\nfoo: bar\ndata: x\n\nid: 7\ndata: y\n\nevent: token\ndata: never finished']);
    expect(events).toEqual([
      { event: 'message', data: 'x' },
      { event: 'message', data: 'y', id: '7' },
    ]);
  });

  it('reads a byte stream with multi-byte characters split between chunks', async () => {
    const bytes = new TextEncoder().encode('event: token\ndata: {"text":"héllo ✓"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3));
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    await readSse(body, (e) => events.push(e));
    expect(toChatEvent(events[0].event, events[0].data)).toEqual({ type: 'token', text: 'héllo ✓' });
  });

  it('turns frames into typed chat events and drops unknown names and malformed data', () => {
    expect(toChatEvent('tool_result', '{"id":"t1","name":"get_events","ok":true,"summary":"3 events"}')).toEqual({
      type: 'tool_result',
      id: 't1',
      name: 'get_events',
      ok: true,
      summary: '3 events',
    });
    expect(toChatEvent('error', '{"code":"upstream","message":"model unavailable"}')).toEqual({
      type: 'error',
      code: 'upstream',
      message: 'model unavailable',
    });
    expect(toChatEvent('mystery', '{}')).toBeNull();
    expect(toChatEvent('token', 'not json')).toBeNull();
  });

  describe('the events of an action waiting for approval', () => {
    const sha = 'a'.repeat(64);
    const request = {
      id: 'ap-1',
      call_id: 'call_7',
      tool: 'sync_application',
      summary: 'Sync application payments to its target revision, prune: no, dry run: no',
      arguments: { application: 'payments', prune: false },
      arguments_sha256: sha,
      expires_in_seconds: 300,
    };

    it('reads an approval request with everything a decision must name', () => {
      expect(toChatEvent('approval_request', JSON.stringify(request))).toEqual({ type: 'approval_request', ...request });
    });

    it('drops a request a decision could not name exactly', () => {
      for (const broken of [
        { ...request, id: '' },
        { ...request, call_id: 7 },
        { ...request, tool: undefined },
        { ...request, arguments_sha256: 'not-a-digest' },
        { ...request, arguments: ['application', 'payments'] },
        { ...request, arguments: null },
      ]) {
        expect(toChatEvent('approval_request', JSON.stringify(broken)), JSON.stringify(broken)).toBeNull();
      }
      expect(toChatEvent('approval_request', '[]')).toBeNull();
    });

    it('keeps a request without a usable expiry, saying nothing of when it lapses', () => {
      const event = toChatEvent('approval_request', JSON.stringify({ ...request, expires_in_seconds: 'soon' }));
      expect(event).toMatchObject({ type: 'approval_request', id: 'ap-1', expires_in_seconds: 0 });
    });

    it('reads each outcome of a request and drops an unknown one', () => {
      for (const outcome of ['approved', 'denied', 'expired']) {
        expect(toChatEvent('approval_result', JSON.stringify({ id: 'ap-1', call_id: 'call_7', outcome }))).toEqual({
          type: 'approval_result',
          id: 'ap-1',
          call_id: 'call_7',
          outcome,
        });
      }
      expect(toChatEvent('approval_result', '{"id":"ap-1","call_id":"call_7","outcome":"maybe"}')).toBeNull();
      expect(toChatEvent('approval_result', '{"call_id":"call_7","outcome":"approved"}')).toBeNull();
    });

    it('reads an Argo CD request of an approved action with its method, body and approval', () => {
      const data = { id: 'w1', method: 'POST', path: '/api/v1/applications/payments/sync', query: [], body: '{"prune":false}', approval: 'ap-1' };
      expect(toChatEvent('argocd_request', JSON.stringify(data))).toMatchObject({
        type: 'argocd_request',
        read: { id: 'w1', method: 'POST', body: '{"prune":false}', approval: 'ap-1' },
      });
      expect(toChatEvent('argocd_request', '{"id":"r1","path":"/api/v1/applications"}')).toMatchObject({
        read: { method: 'GET', body: null, approval: null },
      });
    });
  });
});
