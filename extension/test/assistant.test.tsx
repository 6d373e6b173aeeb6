import * as React from 'react';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { AssistantTab } from '../src/index';
import type { KubeObject } from '../src/types';
import { controlledSse, settle, sse, unmountSettled } from './harness';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const application = { metadata: { name: 'checkout', namespace: 'argocd' }, spec: { project: 'team-a' } };
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'checkout-api-1', namespace: 'checkout', uid: 'uid-1' },
  spec: { containers: [{ name: 'api' }], initContainers: [{ name: 'migrate' }] },
};

interface Call {
  url: string;
  init?: RequestInit;
}

let calls: Call[];
let chatReply: (init?: RequestInit) => Response;
let logsReply: () => Response;
let logsAllowed: string;
let container: HTMLDivElement;
let root: Root;

beforeEach(() => {
  sessionStorage.clear();
  calls = [];
  logsAllowed = 'yes';
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
      return new Response(JSON.stringify({ model: 'scripted', identity_modes: ['browser', 'pasted'], log_lines_default: 40, log_lines_max: 500 }));
    }
    if (url.startsWith('/api/v1/account/can-i/logs/get/')) return new Response(JSON.stringify({ value: logsAllowed }));
    if (url.startsWith('/api/v1/applications/checkout/resource-tree')) {
      return new Response(JSON.stringify({ nodes: [{ kind: 'Pod', name: 'checkout-api-1' }] }));
    }
    if (url === '/extensions/assistant/api/argocd-responses') return new Response(null, { status: 204 });
    if (url === '/extensions/assistant/api/chat') return chatReply(init);
    return new Response('{}', { status: 404 });
  });
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
});

afterEach(() => unmountSettled(root, container));

const q = (id: string): HTMLElement | null => container.querySelector(`[data-testid="${id}"]`);

function type(el: HTMLTextAreaElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set;
  setter?.call(el, value);
  el.dispatchEvent(new Event('input', { bubbles: true }));
}

async function render(resource: KubeObject = pod, tree: unknown = { nodes: [] }): Promise<void> {
  await act(async () => {
    root.render(<AssistantTab resource={resource} application={application} tree={tree} />);
  });
  await settle(() => q('chip-events') !== null);
}

async function askQuestion(text: string): Promise<void> {
  act(() => type(q('chat-input') as HTMLTextAreaElement, text));
  act(() => (q('chat-send') as HTMLButtonElement).click());
  await settle(() => q('chat-stop') !== null);
}

const answers = (): HTMLElement[] => Array.from(container.querySelectorAll('[data-testid="message-assistant"]'));

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

  it('on the Application\'s own tab names it an Application even when the host left kind out, as the API does', async () => {
    await render(application as KubeObject);
    act(() => type(q('chat-input') as HTMLTextAreaElement, 'why is it out of sync?'));
    act(() => (q('chat-send') as HTMLButtonElement).click());
    await settle(() => calls.some((c) => c.url.endsWith('/api/chat')));
    await settle(() => q('message-assistant')?.getAttribute('data-pending') === 'false'); // the answer is over
    const chat = calls.find((c) => c.url.endsWith('/api/chat'));
    const body = JSON.parse(String(chat?.init?.body));
    expect(body.resource).toMatchObject({ group: 'argoproj.io', kind: 'Application', name: 'checkout' });
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
    await settle(() => q('message-assistant')?.getAttribute('data-pending') === 'false'); // its end came too
    act(() => type(q('chat-input') as HTMLTextAreaElement, 'second'));
    act(() => (q('chat-send') as HTMLButtonElement).click());
    await settle(() => calls.filter((c) => c.url.endsWith('/api/chat')).length === 2);
    await settle(() => container.querySelectorAll('[data-testid="message-assistant"][data-pending="false"]').length === 2);
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

  it('keeps an answer cut off by leaving the tab as stopped, not as a complete answer', async () => {
    let stream: ReturnType<typeof controlledSse> | null = null;
    chatReply = (init) => {
      stream = controlledSse(init);
      return stream.response;
    };
    await render();
    await askQuestion('why?');
    await act(async () => {
      stream?.push('start', { request_id: 'r', conversation: 'half', identity: 'scoped' });
      stream?.push('token', { text: 'Half an answer' });
      await new Promise((r) => setTimeout(r, 20));
    });
    await settle(() => answers()[0]?.textContent?.includes('Half an answer') === true);
    act(() => root.unmount()); // the user switched to another tab of the resource panel
    root = createRoot(container);
    await render();
    expect(answers()).toHaveLength(1);
    expect(answers()[0].getAttribute('data-state')).toBe('stopped');
    expect(answers()[0].textContent).toContain('Half an answer');
    expect(answers()[0].textContent).toContain('Stopped.');
    // and the next question does not continue from the unfinished response
    chatReply = () => sse([['end', { usage: {}, truncated: false }]]);
    await askQuestion('again');
    await settle(() => answers()[1]?.getAttribute('data-state') === 'done');
    const last = calls.filter((c) => c.url.endsWith('/api/chat')).pop();
    expect(JSON.parse(String(last?.init?.body)).conversation).toBeNull();
  });

  it('ignores the late events of a stream left for another resource, and keeps the first one stopped', async () => {
    const streams: Array<ReturnType<typeof controlledSse>> = [];
    chatReply = (init) => {
      const stream = controlledSse(init, false); // frames already in flight still arrive after the abort
      streams.push(stream);
      return stream.response;
    };
    const other = { ...pod, metadata: { name: 'checkout-api-2', namespace: 'checkout', uid: 'uid-2' } };
    await render(pod);
    await askQuestion('about pod one');
    act(() => streams[0].push('token', { text: 'first pod answer' }));
    await settle(() => answers()[0]?.textContent?.includes('first pod answer') === true);
    await render(other); // another resource, same mounted tab
    expect(answers()).toHaveLength(0);
    await askQuestion('about pod two');
    act(() => {
      streams[0].push('token', { text: ' LATE' });
      streams[0].push('end', { usage: {}, truncated: false });
      streams[0].close();
    });
    await act(async () => {
      await new Promise((r) => setTimeout(r, 30));
    });
    expect(answers()).toHaveLength(1);
    expect(answers()[0].textContent).not.toContain('LATE');
    expect(answers()[0].getAttribute('data-state')).toBe('streaming');
    expect(q('chat-stop')).not.toBeNull(); // the late end did not end pod two's answer
    act(() => {
      streams[1].push('token', { text: 'second pod answer' });
      streams[1].push('end', { usage: {}, truncated: false });
      streams[1].close();
    });
    await settle(() => answers()[0]?.getAttribute('data-state') === 'done');
    await render(pod);
    expect(answers()).toHaveLength(1);
    expect(answers()[0].getAttribute('data-state')).toBe('stopped');
    expect(answers()[0].textContent).toContain('first pod answer');
    expect(answers()[0].textContent).not.toContain('LATE');
  });

  it('keeps keyboard focus on the one Send/Stop button, and returns it to the question box when the answer ends', async () => {
    let stream: ReturnType<typeof controlledSse> | null = null;
    chatReply = (init) => {
      stream = controlledSse(init);
      return stream.response;
    };
    await render();
    act(() => type(q('chat-input') as HTMLTextAreaElement, 'hello'));
    const button = q('chat-send') as HTMLButtonElement;
    button.focus();
    act(() => button.click());
    await settle(() => q('chat-stop') !== null);
    expect(q('chat-stop')).toBe(button); // the same element, so focus stays on it
    expect(document.activeElement).toBe(button);
    act(() => button.click()); // Stop
    await settle(() => q('chat-send') !== null);
    expect(answers()[0].getAttribute('data-state')).toBe('stopped');
    expect(document.activeElement).toBe(q('chat-input'));
  });

  it('moves focus to the new logs chip after Attach, and to Attach logs after Cancel', async () => {
    await render();
    act(() => (q('attach-logs') as HTMLButtonElement).click());
    act(() => (q('logs-cancel') as HTMLButtonElement).focus());
    act(() => (q('logs-cancel') as HTMLButtonElement).click());
    expect(q('logs-form')).toBeNull();
    expect(document.activeElement).toBe(q('attach-logs'));
    act(() => (q('attach-logs') as HTMLButtonElement).click());
    act(() => {
      const select = q('logs-container') as HTMLSelectElement;
      select.value = 'api';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    act(() => (q('logs-attach') as HTMLButtonElement).focus());
    act(() => (q('logs-attach') as HTMLButtonElement).click());
    await settle(() => q('chip-logs') !== null);
    expect(document.activeElement).toBe(q('chip-logs')?.querySelector('button'));
  });

  describe('logs of a workload, with its pods from the tree prop', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'checkout-api', namespace: 'checkout', uid: 'dep-1' },
      spec: { template: { spec: { containers: [{ name: 'api' }] } } },
    };
    function treeWithPods(n: number): unknown {
      const rs = { group: 'apps', kind: 'ReplicaSet', namespace: 'checkout', name: 'checkout-api-7d9', uid: 'rs-1', parentRefs: [{ group: 'apps', kind: 'Deployment', namespace: 'checkout', name: 'checkout-api', uid: 'dep-1' }] };
      const pods = Array.from({ length: n }, (_, i) => ({
        group: '',
        kind: 'Pod',
        namespace: 'checkout',
        name: `checkout-api-7d9-${String(i).padStart(2, '0')}`,
        uid: `pod-${i}`,
        parentRefs: [{ group: 'apps', kind: 'ReplicaSet', namespace: 'checkout', name: 'checkout-api-7d9', uid: 'rs-1' }],
      }));
      return { nodes: [{ group: 'apps', kind: 'Deployment', namespace: 'checkout', name: 'checkout-api', uid: 'dep-1' }, rs, ...pods] };
    }
    const selectValue = (id: string, value: string): void =>
      act(() => {
        const select = q(id) as HTMLSelectElement;
        select.value = value;
        select.dispatchEvent(new Event('change', { bubbles: true }));
      });

    it('reads all pods by default, or the one pod picked', async () => {
      await render(deployment, treeWithPods(2));
      act(() => (q('attach-logs') as HTMLButtonElement).click());
      const options = Array.from((q('logs-pod') as HTMLSelectElement).options).map((o) => o.textContent);
      expect(options).toEqual(['All 2 pods', 'checkout-api-7d9-00', 'checkout-api-7d9-01']);
      act(() => (q('logs-attach') as HTMLButtonElement).click());
      await settle(() => q('chip-logs') !== null);
      let url = calls.filter((c) => c.url.includes('/logs?')).pop()?.url ?? '';
      expect(url).toContain('kind=Deployment');
      expect(url).toContain('resourceName=checkout-api');
      act(() => (q('attach-logs') as HTMLButtonElement).click());
      selectValue('logs-pod', 'checkout-api-7d9-01');
      act(() => (q('logs-attach') as HTMLButtonElement).click());
      await settle(() => q('chip-logs')?.textContent?.includes('of checkout-api-7d9-01') === true);
      url = calls.filter((c) => c.url.includes('/logs?')).pop()?.url ?? '';
      expect(url).toContain('podName=checkout-api-7d9-01');
      expect(url).not.toContain('kind=');
    });

    it('requires a pod beyond Argo CD’s 10-pod limit', async () => {
      await render(deployment, treeWithPods(12));
      act(() => (q('attach-logs') as HTMLButtonElement).click());
      const select = q('logs-pod') as HTMLSelectElement;
      expect(select.options).toHaveLength(13);
      expect(select.options[0].disabled).toBe(true);
      expect((q('logs-attach') as HTMLButtonElement).disabled).toBe(true);
      selectValue('logs-pod', 'checkout-api-7d9-11');
      expect((q('logs-attach') as HTMLButtonElement).disabled).toBe(false);
    });

    it('says so when the workload has no pods instead of fetching', async () => {
      await render(deployment, treeWithPods(0));
      act(() => (q('attach-logs') as HTMLButtonElement).click());
      expect(q('logs-no-pods')?.textContent).toContain('This Deployment has no pods right now');
      expect(q('logs-attach')).toBeNull();
      act(() => (q('logs-cancel') as HTMLButtonElement).click());
      expect(calls.some((c) => c.url.includes('/logs?'))).toBe(false);
    });
  });

  it('carries out the Argo CD reads the relay asks for with the session and posts the raw answers back', async () => {
    chatReply = () =>
      sse([
        ['start', { request_id: 'stream-1', conversation: 'conv-1', identity: 'browser' }],
        ['argocd_request', { id: 'read-1', method: 'GET', path: '/api/v1/applications/checkout/resource-tree', query: [['appNamespace', 'argocd']], max_bytes: 1000, timeout_seconds: 5 }],
        ['argocd_request', { id: 'read-2', method: 'GET', path: '/api/v1/session', query: [], max_bytes: 1000, timeout_seconds: 5 }],
        ['token', { text: 'done' }],
        ['end', { usage: {}, truncated: false, conversation: 'conv-2' }],
      ]);
    await render();
    await askQuestion('why?');
    const posts = (): Call[] => calls.filter((c) => c.url === '/extensions/assistant/api/argocd-responses');
    await settle(() => posts().length === 2);
    const tree = calls.find((c) => c.url.startsWith('/api/v1/applications/checkout/resource-tree'));
    expect(tree?.url).toBe('/api/v1/applications/checkout/resource-tree?appNamespace=argocd');
    expect(tree?.init?.credentials).toBe('same-origin');
    const bodies = posts().map((c) => JSON.parse(String(c.init?.body)) as Record<string, unknown>);
    const first = bodies.find((b) => b.id === 'read-1');
    expect(first).toMatchObject({ stream: 'stream-1', status: 200, truncated: false, error: null });
    expect(String(first?.body)).toContain('checkout-api-1');
    // a path outside the applications API is never fetched with the user's session: an error is posted
    expect(calls.some((c) => c.url.startsWith('/api/v1/session'))).toBe(false);
    expect(bodies.find((b) => b.id === 'read-2')).toMatchObject({ status: null, body: '' });
    const headers = posts()[0].init?.headers as Record<string, string>;
    expect(headers['Argocd-Application-Name']).toBe('argocd:checkout');
    const chatHeaders = calls.find((c) => c.url.endsWith('/api/chat'))?.init?.headers as Record<string, string>;
    expect(chatHeaders['X-Assistant-Browser-Reads']).toBe('1');
  });

  it('explains Argo CD refusing the extension (no `extensions, invoke` grant) and never offers a token for it', async () => {
    chatReply = () => new Response('Unauthorized extension request\n', { status: 401 });
    await render();
    act(() => type(q('chat-input') as HTMLTextAreaElement, 'hello'));
    act(() => (q('chat-send') as HTMLButtonElement).click());
    await settle(() => q('chat-error') !== null);
    expect(q('chat-error')?.textContent).toContain('extensions, invoke, assistant');
    expect(q('chat-error')?.textContent).toContain('argocd-rbac-cm');
    expect(q('token-form')).toBeNull();
  });

  it('does not offer to attach logs when Argo CD says the user may not read them, and says why', async () => {
    logsAllowed = 'no';
    await render();
    await settle(() => q('logs-not-allowed') !== null);
    expect(q('attach-logs')).toBeNull();
    expect(q('logs-not-allowed')?.textContent).toContain('logs, get');
    expect(calls.some((c) => c.url === '/api/v1/account/can-i/logs/get/team-a/checkout')).toBe(true);
  });

  it('keeps attached logs when the tab is left and opened again', async () => {
    await render();
    act(() => (q('attach-logs') as HTMLButtonElement).click());
    const select = q('logs-container') as HTMLSelectElement;
    act(() => {
      select.value = 'api';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    act(() => (q('logs-attach') as HTMLButtonElement).click());
    await settle(() => q('chip-logs') !== null);
    act(() => root.unmount());
    root = createRoot(container);
    await render();
    expect(q('chip-logs')?.textContent).toContain('1 lines');
  });
});
