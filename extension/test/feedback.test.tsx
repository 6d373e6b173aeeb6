import * as React from 'react';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { AssistantTab } from '../src/index';
import { controlledSse, settle, unmountSettled } from './harness';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const application = { metadata: { name: 'checkout', namespace: 'argocd' }, spec: { project: 'team-a' } };
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'checkout-api-1', namespace: 'checkout', uid: 'uid-1' } };
const FEEDBACK = '/extensions/assistant/api/feedback';

interface Call {
  url: string;
  init?: RequestInit;
}

let calls: Call[];
let stream: ReturnType<typeof controlledSse> | null;
let config: Record<string, unknown>;
let feedbackReply: () => Response | Promise<Response>;
let container: HTMLDivElement;
let root: Root;

beforeEach(() => {
  sessionStorage.clear();
  calls = [];
  stream = null;
  // a new application per test: the relay config is fetched once per application (and cached)
  application.metadata.name = `checkout-${Math.random().toString(36).slice(2, 8)}`;
  config = { model: 'scripted', identity_modes: ['browser'], feedback: true };
  feedbackReply = () => new Response(null, { status: 204 });
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    if (url === '/extensions/assistant/api/chat') {
      stream = controlledSse(init);
      return stream.response;
    }
    if (url === FEEDBACK) return feedbackReply();
    if (url === '/extensions/assistant/api/config') return new Response(JSON.stringify(config));
    if (url.includes('/events')) return new Response('{"items":[]}');
    return new Response('{}', { status: 404 });
  });
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
});

afterEach(() => unmountSettled(root, container));

const q = (id: string, within: ParentNode = container): HTMLElement | null => within.querySelector(`[data-testid="${id}"]`);
const button = (id: string, within?: ParentNode): HTMLButtonElement => q(id, within) as HTMLButtonElement;
const answers = (): HTMLElement[] => Array.from(container.querySelectorAll('[data-testid="message-assistant"]'));
const posted = (): Array<Record<string, unknown>> =>
  calls.filter((c) => c.url === FEEDBACK).map((c) => JSON.parse(String(c.init?.body)) as Record<string, unknown>);

function type(el: HTMLTextAreaElement, value: string): void {
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set?.call(el, value);
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

async function render(): Promise<void> {
  await act(async () => {
    root.render(<AssistantTab resource={pod} application={application} tree={{ nodes: [] }} />);
  });
  await settle(() => q('chip-events') !== null && calls.some((c) => c.url.endsWith('/api/config')));
  await act(async () => {
    await new Promise((r) => setTimeout(r, 10)); // the config's answer lands
  });
}

async function push(frames: Array<[string, unknown]>): Promise<void> {
  await act(async () => {
    for (const [name, data] of frames) stream?.push(name, data);
    await new Promise((r) => setTimeout(r, 10));
  });
}

/** Asks a question and leaves its answer streaming (the relay named it `start`). */
async function askAndStart(text: string, start = 'resp-start'): Promise<void> {
  stream = null;
  act(() => type(q('chat-input') as HTMLTextAreaElement, text));
  act(() => button('chat-send').click());
  await settle(() => stream !== null);
  await push([
    ['start', { request_id: 'stream-1', conversation: start, identity: 'browser' }],
    ['token', { text: 'The pod crashes: DATABASE_URL is not set.' }],
  ]);
}

async function finish(end: Record<string, unknown> = { usage: {}, truncated: false }): Promise<void> {
  await push([['end', end]]);
  act(() => stream?.close());
  await settle(() => q('chat-send') !== null);
}

/** One finished answer, named `resp-end` by its end event. */
async function answered(): Promise<HTMLElement> {
  await render();
  await askAndStart('Why is this pod failing?');
  await finish({ usage: {}, truncated: false, conversation: 'resp-end' });
  await settle(() => q('feedback') !== null);
  return answers()[0];
}

describe('rating an answer (Helpful / Not helpful)', () => {
  it('posts Helpful with its comment, naming the answer by the end event’s handle, then thanks and disables', async () => {
    await answered();
    expect(button('feedback-up').textContent).toBe('Helpful');
    expect(button('feedback-down').textContent).toBe('Not helpful');
    expect(q('feedback-comment')).toBeNull(); // no box before a choice
    act(() => button('feedback-up').click());
    expect(button('feedback-up').getAttribute('aria-pressed')).toBe('true');
    expect(button('feedback-down').getAttribute('aria-pressed')).toBe('false');
    const box = q('feedback-comment') as HTMLTextAreaElement;
    expect(box.placeholder).toBe('What was good or missing? (optional)');
    expect(document.activeElement).toBe(box);
    act(() => type(box, '  Found the missing env var right away.  '));
    act(() => button('feedback-send').click());
    act(() => button('feedback-send')?.click()); // a second click sends nothing more
    await settle(() => q('feedback-state')?.textContent?.startsWith('Thanks') === true);
    expect(posted()).toEqual([{ conversation: 'resp-end', rating: 'up', comment: 'Found the missing env var right away.' }]);
    const call = calls.find((c) => c.url === FEEDBACK);
    expect(call?.init?.method).toBe('POST');
    expect(call?.init?.credentials).toBe('same-origin');
    expect(call?.init?.headers).toMatchObject({
      'Argocd-Application-Name': `argocd:${application.metadata.name}`,
      'Argocd-Project-Name': 'team-a',
      'X-Assistant-Browser-Reads': '1',
      'Content-Type': 'application/json',
    });
    expect(q('feedback-state')?.textContent).toBe('Thanks for the feedback: you marked this answer as helpful.');
    expect(button('feedback-up').disabled).toBe(true);
    expect(button('feedback-down').disabled).toBe(true);
    expect(q('feedback-comment')).toBeNull();
    expect(document.activeElement).toBe(q('feedback-state'));
  });

  it('posts Not helpful without a comment on Skip, naming the start event’s handle when the end names none', async () => {
    await render();
    await askAndStart('Why is this pod failing?', 'resp-only-start');
    await finish();
    await settle(() => q('feedback') !== null);
    act(() => button('feedback-down').click());
    act(() => type(q('feedback-comment') as HTMLTextAreaElement, 'typed, then skipped'));
    act(() => button('feedback-skip').click());
    await settle(() => q('feedback-state')?.textContent === 'Thanks for the feedback: you marked this answer as not helpful.');
    expect(posted()).toEqual([{ conversation: 'resp-only-start', rating: 'down', comment: null }]);
  });

  it('rates each answer by its own handle', async () => {
    await render();
    await askAndStart('first', 'resp-1');
    await finish();
    await askAndStart('second', 'resp-2');
    await finish();
    await settle(() => container.querySelectorAll('[data-testid="feedback"]').length === 2);
    act(() => button('feedback-down', answers()[0]).click());
    act(() => button('feedback-send', answers()[0]).click());
    await settle(() => q('feedback', answers()[0])?.getAttribute('data-state') === 'sent');
    expect(posted()).toEqual([{ conversation: 'resp-1', rating: 'down', comment: null }]);
    expect(button('feedback-up', answers()[1]).disabled).toBe(false);
  });

  it('shows no feedback controls while the answer streams, then under the finished answer', async () => {
    await render();
    await askAndStart('Why is this pod failing?');
    expect(answers()[0].getAttribute('data-state')).toBe('streaming');
    expect(q('feedback')).toBeNull();
    await finish();
    await settle(() => q('feedback') !== null);
  });

  it('shows no feedback controls when the relay’s config says feedback is off', async () => {
    config = { model: 'scripted', identity_modes: ['browser'], feedback: false };
    await render();
    await askAndStart('Why is this pod failing?');
    await finish({ usage: {}, truncated: false, conversation: 'resp-end' });
    expect(answers()[0].getAttribute('data-state')).toBe('done');
    expect(q('feedback')).toBeNull();
    expect(q('feedback-up')).toBeNull();
  });

  it('shows no feedback controls under an answer that failed before any text', async () => {
    await render();
    stream = null;
    act(() => type(q('chat-input') as HTMLTextAreaElement, 'hello'));
    act(() => button('chat-send').click());
    await settle(() => stream !== null);
    await push([
      ['start', { request_id: 'r', conversation: 'resp-failed', identity: 'browser' }],
      ['error', { code: 'upstream_unavailable', message: 'The model is not reachable.' }],
    ]);
    await finish();
    expect(answers()[0].getAttribute('data-state')).toBe('error');
    expect(q('feedback')).toBeNull();
  });

  it('says in words that feedback is switched off (404 feedback_disabled), and offers no second try', async () => {
    feedbackReply = () =>
      new Response(JSON.stringify({ code: 'feedback_disabled', message: 'Feedback is disabled.' }), {
        status: 404,
        headers: { 'Content-Type': 'application/json' },
      });
    await answered();
    act(() => button('feedback-up').click());
    act(() => button('feedback-skip').click());
    await settle(() => q('feedback')?.getAttribute('data-state') === 'refused');
    expect(q('feedback-state')?.textContent).toBe('Your feedback was not sent. Feedback is switched off for this assistant.');
    expect(button('feedback-up').disabled).toBe(true);
    expect(button('feedback-down').disabled).toBe(true);
    expect(q('feedback-send')).toBeNull();
  });

  it('says in words that the feedback was too large (413)', async () => {
    feedbackReply = () => new Response('<html><body><h1>413 Request Entity Too Large</h1></body></html>', { status: 413 });
    await answered();
    act(() => button('feedback-down').click());
    act(() => type(q('feedback-comment') as HTMLTextAreaElement, 'a long story'));
    act(() => button('feedback-send').click());
    await settle(() => q('feedback')?.getAttribute('data-state') === 'refused');
    expect(q('feedback-state')?.textContent).toBe(
      'Your feedback was not sent. The feedback is too large for the assistant (a comment takes at most 2000 characters).',
    );
    expect(q('feedback-state')?.textContent).not.toContain('<');
    expect(button('feedback-down').disabled).toBe(true);
  });

  it('lets the person send again when the feedback did not reach the relay', async () => {
    feedbackReply = () => Promise.reject(new TypeError('Failed to fetch'));
    await answered();
    act(() => button('feedback-up').click());
    act(() => type(q('feedback-comment') as HTMLTextAreaElement, 'useful'));
    act(() => button('feedback-send').click());
    await settle(() => q('feedback-state')?.textContent === 'Your feedback did not reach the assistant. Try again.');
    expect(button('feedback-send').disabled).toBe(false);
    expect((q('feedback-comment') as HTMLTextAreaElement).value).toBe('useful'); // the comment is kept
    feedbackReply = () => new Response('{"code":"unavailable","message":"no replica"}', { status: 503 });
    act(() => button('feedback-send').click());
    await settle(() => q('feedback-state')?.textContent === 'no replica Try again.');
    expect(posted()).toHaveLength(2);
    feedbackReply = () => new Response(null, { status: 204 });
    act(() => button('feedback-send').click());
    await settle(() => q('feedback-state')?.textContent?.startsWith('Thanks') === true);
    expect(posted()).toHaveLength(3);
    expect(posted()[2]).toEqual({ conversation: 'resp-end', rating: 'up', comment: 'useful' });
  });

  it('stops the comment at 2000 characters', async () => {
    await answered();
    act(() => button('feedback-down').click());
    const box = q('feedback-comment') as HTMLTextAreaElement;
    expect(box.maxLength).toBe(2000);
    act(() => type(box, 'x'.repeat(2100)));
    expect(box.value).toHaveLength(2000);
    expect(q('feedback-left')?.textContent).toBe('0 of 2000 characters left');
    act(() => button('feedback-send').click());
    await settle(() => q('feedback')?.getAttribute('data-state') === 'sent');
    expect(String(posted()[0].comment)).toHaveLength(2000);
  });

  it('keeps a sent rating across a reload: shown as sent, never offered again', async () => {
    await answered();
    act(() => button('feedback-down').click());
    act(() => type(q('feedback-comment') as HTMLTextAreaElement, 'it missed the real cause'));
    act(() => button('feedback-send').click());
    await settle(() => q('feedback-state')?.textContent?.startsWith('Thanks') === true);
    act(() => root.unmount());
    const stored = Object.values(sessionStorage).join('\n');
    expect(stored).toContain('"handle":"resp-end","feedback":{"rating":"down","state":"sent"}');
    expect(stored).not.toContain('it missed the real cause'); // the comment is the relay's, not the tab's
    root = createRoot(container);
    await render();
    await settle(() => q('feedback') !== null);
    expect(q('feedback-state')?.textContent).toBe('Thanks for the feedback: you marked this answer as not helpful.');
    expect(button('feedback-down').getAttribute('aria-pressed')).toBe('true');
    expect(button('feedback-up').disabled).toBe(true);
    expect(button('feedback-down').disabled).toBe(true);
    expect(posted()).toHaveLength(1);
  });

  it('lets an answer from before a reload be rated, by the handle stored with it', async () => {
    await answered();
    act(() => root.unmount());
    root = createRoot(container);
    await render();
    await settle(() => q('feedback') !== null);
    act(() => button('feedback-up').click());
    act(() => button('feedback-skip').click());
    await settle(() => q('feedback')?.getAttribute('data-state') === 'sent');
    expect(posted()).toEqual([{ conversation: 'resp-end', rating: 'up', comment: null }]);
  });
});
