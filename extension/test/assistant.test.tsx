import * as React from 'react';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { AssistantTab } from '../src/index';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const application = { metadata: { name: 'checkout', namespace: 'argocd' }, spec: { project: 'team-a' } };
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'checkout-api-1', namespace: 'checkout', uid: 'uid-1' },
  spec: { containers: [{ name: 'api' }], initContainers: [{ name: 'migrate' }] },
};

function sse(frames: Array<[string, unknown]>): Response {
  const text = frames.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join(': ping\n\n');
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += 17) c.enqueue(bytes.slice(i, i + 17));
      c.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

interface Call {
  url: string;
  init?: RequestInit;
}

let calls: Call[];
let chatReply: () => Response;
let logsReply: () => Response;
let container: HTMLDivElement;
let root: Root;

beforeEach(() => {
  sessionStorage.clear();
  calls = [];
  chatReply = () =>
    sse([
      ['start', { request_id: 'r1', conversation: 'conv-1', identity: 'cookie' }],
      ['tool_call', { id: 't1', name: 'get_logs', arguments: { container: 'api' } }],
      ['tool_result', { id: 't1', name: 'get_logs', ok: true, summary: '40 lines' }],
      ['token', { text: 'The pod **crashes**: ' }],
      ['token', { text: 'see <img src=x onerror=alert(1)>' }],
      ['end', { usage: {}, truncated: false }],
    ]);
  logsReply = () =>
    new Response(
      [
        JSON.stringify({ result: { content: 'Traceback (most recent call last):', podName: 'checkout-api-1', last: false } }),
        JSON.stringify({ result: { content: '', podName: '', last: true } }),
      ].join('\n'),
    );
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    if (url.startsWith('/api/v1/applications/checkout/events')) {
      return new Response(JSON.stringify({ metadata: {}, items: [{ type: 'Warning', reason: 'BackOff', message: 'Back-off restarting' }] }));
    }
    if (url.startsWith('/api/v1/applications/checkout/logs')) return logsReply();
    if (url === '/extensions/assistant/api/config') {
      return new Response(JSON.stringify({ model: 'scripted', identity_modes: ['cookie'], log_lines_default: 40, log_lines_max: 500 }));
    }
    if (url === '/extensions/assistant/api/chat') return chatReply();
    return new Response('{}', { status: 404 });
  });
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  vi.unstubAllGlobals();
});

async function settle(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await act(async () => {
      await new Promise((r) => setTimeout(r, 5));
    });
  }
}

const q = (id: string): HTMLElement | null => container.querySelector(`[data-testid="${id}"]`);

function type(el: HTMLTextAreaElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set;
  setter?.call(el, value);
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

async function render(): Promise<void> {
  await act(async () => {
    root.render(<AssistantTab resource={pod} application={application} tree={{ nodes: [] }} />);
  });
  await settle(() => q('chip-events') !== null);
}

describe('Assistant tab', () => {
  it('attaches the manifest and the resource’s events as chips the user can open and remove', async () => {
    await render();
    const eventsCall = calls.find((c) => c.url.includes('/events'));
    expect(eventsCall?.url).toContain('resourceUID=uid-1');
    expect(eventsCall?.url).toContain('resourceName=checkout-api-1');
    expect(eventsCall?.url).toContain('appNamespace=argocd');
    expect(q('chip-manifest')?.textContent).toContain('Manifest');
    expect(q('chip-events')?.textContent).toContain('Events (1)');
    act(() => (q('chip-events')?.querySelector('button') as HTMLButtonElement).click());
    expect(q('preview-events')?.textContent).toContain('BackOff');
    act(() => (q('chip-manifest-remove') as HTMLButtonElement).click());
    expect(q('chip-manifest')).toBeNull();
    expect(q('attach-manifest')).not.toBeNull();
  });

  it('sends the question on Enter with routing headers and streams the answer as inert markdown', async () => {
    await render();
    const input = q('chat-input') as HTMLTextAreaElement;
    act(() => type(input, 'why is it failing?'));
    act(() => {
      input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    });
    await settle(() => q('message-assistant')?.getAttribute('data-pending') === 'false');
    const chat = calls.find((c) => c.url.endsWith('/api/chat'));
    const headers = chat?.init?.headers as Record<string, string>;
    expect(headers['Argocd-Application-Name']).toBe('argocd:checkout');
    expect(headers['Argocd-Project-Name']).toBe('team-a');
    const body = JSON.parse(String(chat?.init?.body));
    expect(body.message).toBe('why is it failing?');
    expect(body.resource).toEqual({ group: '', version: 'v1', kind: 'Pod', namespace: 'checkout', name: 'checkout-api-1', uid: 'uid-1' });
    expect(JSON.parse(body.context.manifest).metadata.name).toBe('checkout-api-1');
    expect(body.context.events).toHaveLength(1);
    expect(body.conversation).toBeNull();
    const answer = q('message-assistant') as HTMLElement;
    expect(answer.querySelector('strong')?.textContent).toBe('crashes');
    expect(answer.querySelector('img')).toBeNull();
    expect(q('tool-card')?.textContent).toContain('get_logs');
    expect(q('tool-card')?.className).toContain('aa-tool--ok');
    expect(q('chat-error')).toBeNull();
  });

  it('keeps the conversation for the resource across remounts and continues it with the relay’s handle', async () => {
    await render();
    act(() => type(q('chat-input') as HTMLTextAreaElement, 'first'));
    act(() => (q('chat-send') as HTMLButtonElement).click());
    await settle(() => q('message-assistant')?.getAttribute('data-pending') === 'false');
    act(() => root.unmount());
    root = createRoot(container);
    await render();
    expect(container.querySelectorAll('[data-testid="message-user"]')).toHaveLength(1);
    act(() => type(q('chat-input') as HTMLTextAreaElement, 'second'));
    act(() => (q('chat-send') as HTMLButtonElement).click());
    await settle(() => container.querySelectorAll('[data-testid="message-assistant"][data-pending="false"]').length === 2);
    const last = calls.filter((c) => c.url.endsWith('/api/chat')).pop();
    expect(JSON.parse(String(last?.init?.body)).conversation).toBe('conv-1');
    act(() => (q('chat-new') as HTMLButtonElement).click());
    expect(container.querySelectorAll('[data-testid="message-user"]')).toHaveLength(0);
  });

  it('does not continue from an answer that failed (its response never completed)', async () => {
    chatReply = () => sse([['start', { request_id: 'r', conversation: 'unfinished', identity: 'cookie' }], ['error', { code: 'upstream_unavailable', message: 'The model is not reachable.' }], ['end', { usage: {}, truncated: false }]]);
    await render();
    act(() => type(q('chat-input') as HTMLTextAreaElement, 'first'));
    act(() => (q('chat-send') as HTMLButtonElement).click());
    await settle(() => q('chat-error') !== null);
    act(() => type(q('chat-input') as HTMLTextAreaElement, 'second'));
    act(() => (q('chat-send') as HTMLButtonElement).click());
    await settle(() => calls.filter((c) => c.url.endsWith('/api/chat')).length === 2);
    const last = calls.filter((c) => c.url.endsWith('/api/chat')).pop();
    expect(JSON.parse(String(last?.init?.body)).conversation).toBeNull();
  });

  it('shows a stream error with Retry, and Retry asks again', async () => {
    chatReply = () => sse([['start', { request_id: 'r', conversation: 'c', identity: 'cookie' }], ['error', { code: 'upstream_unavailable', message: 'The model is not reachable.' }], ['end', { usage: {}, truncated: false }]]);
    await render();
    act(() => type(q('chat-input') as HTMLTextAreaElement, 'hello'));
    act(() => (q('chat-send') as HTMLButtonElement).click());
    await settle(() => q('chat-error') !== null);
    expect(q('chat-error')?.textContent).toContain('The model is not reachable.');
    const before = calls.filter((c) => c.url.endsWith('/api/chat')).length;
    act(() => (q('chat-retry') as HTMLButtonElement).click());
    await settle(() => calls.filter((c) => c.url.endsWith('/api/chat')).length === before + 1);
    await settle(() => q('message-assistant')?.getAttribute('data-pending') === 'false');
    expect(container.querySelectorAll('[data-testid="message-user"]')).toHaveLength(1);
  });

  it('offers a token field when the relay says a token is needed and then sends it as X-Argocd-Token', async () => {
    chatReply = () => new Response(JSON.stringify({ detail: { code: 'token_required', message: 'Paste an Argo CD token.' } }), { status: 401 });
    await render();
    act(() => type(q('chat-input') as HTMLTextAreaElement, 'hello'));
    act(() => (q('chat-send') as HTMLButtonElement).click());
    await settle(() => q('token-form') !== null);
    const tokenInput = q('token-input') as HTMLInputElement;
    act(() => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(tokenInput, 'tok-123');
      tokenInput.dispatchEvent(new Event('input', { bubbles: true }));
    });
    act(() => (q('token-save') as HTMLButtonElement).click());
    expect(q('token-form')).toBeNull();
    act(() => (q('chat-retry') as HTMLButtonElement).click());
    await settle(() => calls.filter((c) => c.url.endsWith('/api/chat')).length === 2);
    await settle(() => q('chat-error') !== null);
    const headers = calls.filter((c) => c.url.endsWith('/api/chat'))[1].init?.headers as Record<string, string>;
    expect(headers['X-Argocd-Token']).toBe('tok-123');
  });

  it('guides log attachment: container (init included), lines from the relay config, then a logs chip', async () => {
    await render();
    await settle(() => true);
    act(() => (q('attach-logs') as HTMLButtonElement).click());
    const select = q('logs-container') as HTMLSelectElement;
    expect(Array.from(select.options).map((o) => o.textContent)).toEqual(['Choose a container…', 'api', 'migrate (init)']);
    await settle(() => (q('logs-lines') as HTMLInputElement).value === '40');
    act(() => {
      select.value = 'migrate';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    act(() => (q('logs-attach') as HTMLButtonElement).click());
    await settle(() => q('chip-logs') !== null);
    expect(q('chip-logs')?.textContent).toContain('migrate');
    const logsCall = calls.find((c) => c.url.includes('/logs?'));
    expect(logsCall?.url).toContain('container=migrate');
    expect(logsCall?.url).toContain('tailLines=40');
  });

  it('explains a missing logs permission instead of breaking the flow', async () => {
    logsReply = () => new Response('{"error":"permission denied","code":7,"message":"permission denied"}', { status: 403 });
    await render();
    act(() => (q('attach-logs') as HTMLButtonElement).click());
    act(() => {
      const select = q('logs-container') as HTMLSelectElement;
      select.value = 'api';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    act(() => (q('logs-attach') as HTMLButtonElement).click());
    await settle(() => q('logs-error') !== null);
    expect(q('logs-error')?.textContent).toBe("You don't have permission to read logs of this application (logs, get)");
    expect(q('logs-form')).not.toBeNull();
  });
});
