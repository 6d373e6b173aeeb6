import * as React from 'react';
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { AssistantTab } from '../src/index';
import { controlledSse, settle, unmountSettled } from './harness';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const application = { metadata: { name: 'payments', namespace: 'argocd' }, spec: { project: 'team-a' } };
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'payments-api', namespace: 'payments', uid: 'dep-1' },
};

const SHA = 'c0ffee'.padEnd(64, '0');
const SYNC_ARGS = { application: 'payments', prune: false, dry_run: false };
const SUMMARY = 'Sync application payments to its target revision, prune: no, dry run: no';
const SYNC_BODY = '{"appNamespace":"argocd","dryRun":false,"prune":false}';

interface Call {
  url: string;
  init?: RequestInit;
}

let calls: Call[];
let stream: ReturnType<typeof controlledSse> | null;
let approvalsReply: () => Response | Promise<Response>;
let container: HTMLDivElement;
let root: Root;

beforeEach(() => {
  sessionStorage.clear();
  calls = [];
  stream = null;
  approvalsReply = () => new Response(null, { status: 204 });
  vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
    calls.push({ url, init });
    if (url === '/extensions/assistant/api/chat') {
      stream = controlledSse(init);
      return stream.response;
    }
    if (url === '/extensions/assistant/api/approvals') return approvalsReply();
    if (url === '/extensions/assistant/api/argocd-responses') return new Response(null, { status: 204 });
    if (url === '/extensions/assistant/api/config') return new Response(JSON.stringify({ identity_modes: ['browser'] }));
    if (url.startsWith('/api/v1/applications/payments/events')) return new Response('{"items":[]}');
    if (url === '/api/v1/applications/payments/sync') return new Response('{"metadata":{"name":"payments"},"operation":{}}');
    return new Response('{}', { status: 404 });
  });
  container = document.createElement('div');
  document.body.appendChild(container);
  root = createRoot(container);
});

afterEach(() => unmountSettled(root, container));

const q = (id: string): HTMLElement | null => container.querySelector(`[data-testid="${id}"]`);
const button = (id: string): HTMLButtonElement => q(id) as HTMLButtonElement;
const posted = (url: string): Call[] => calls.filter((c) => c.url === url);
const decisions = (): Array<Record<string, unknown>> =>
  posted('/extensions/assistant/api/approvals').map((c) => JSON.parse(String(c.init?.body)) as Record<string, unknown>);
const readAnswers = (): Array<Record<string, unknown>> =>
  posted('/extensions/assistant/api/argocd-responses').map((c) => JSON.parse(String(c.init?.body)) as Record<string, unknown>);

async function render(): Promise<void> {
  await act(async () => {
    root.render(<AssistantTab resource={deployment} application={application} tree={{ nodes: [] }} />);
  });
  await settle(() => q('chip-events') !== null);
}

/** Asks a question whose answer wants to sync the application: its card waits for the person. */
async function askForSync(): Promise<void> {
  await render();
  act(() => {
    const input = q('chat-input') as HTMLTextAreaElement;
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set?.call(input, 'sync it please');
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  act(() => button('chat-send').click());
  await settle(() => stream !== null);
  await push([
    ['start', { request_id: 'stream-1', conversation: 'conv-1', identity: 'browser' }],
    ['tool_call', { id: 'fc_1', name: 'sync_application', arguments: JSON.stringify(SYNC_ARGS) }],
    [
      'approval_request',
      { id: 'ap-1', call_id: 'call_1', tool: 'sync_application', summary: SUMMARY, arguments: SYNC_ARGS, arguments_sha256: SHA, expires_in_seconds: 300 },
    ],
  ]);
  await settle(() => q('approval-card') !== null);
}

async function push(frames: Array<[string, unknown]>): Promise<void> {
  await act(async () => {
    for (const [name, data] of frames) stream?.push(name, data);
    await new Promise((r) => setTimeout(r, 10));
  });
}

/** The relay asks the tab to carry out the approved sync (browser mode). */
const syncRequest = (approval: string) => ({
  id: 'write-1',
  method: 'POST',
  path: '/api/v1/applications/payments/sync',
  query: [],
  body: SYNC_BODY,
  approval,
  max_bytes: 1000,
  timeout_seconds: 5,
});

async function finish(): Promise<void> {
  await push([['end', { usage: {}, truncated: false }]]);
  act(() => stream?.close());
  await settle(() => q('chat-send') !== null);
}

describe('actions the person approves in the Assistant tab', () => {
  it('shows the action in words on a card right after its tool’s card, waiting, with when it lapses', async () => {
    await askForSync();
    const answer = q('message-assistant') as HTMLElement;
    const cards = Array.from(answer.querySelectorAll('[data-testid="tool-card"], [data-testid="approval-card"]'));
    expect(cards.map((c) => c.getAttribute('data-testid'))).toEqual(['tool-card', 'approval-card']);
    const card = q('approval-card') as HTMLElement;
    expect(card.textContent).toContain(SUMMARY);
    expect(card.textContent).toContain('sync_application');
    expect(card.textContent).toContain('"prune":false');
    expect(q('approval-state')?.textContent).toBe('Waiting for your approval');
    expect(q('approval-expires')?.textContent).toContain('nothing is run');
    expect(button('approval-approve').textContent).toBe('Approve');
    expect(button('approval-deny').textContent).toBe('Deny');
    expect(button('approval-approve').disabled).toBe(false);
  });

  it('posts the exact decision on Approve, disables both buttons, then carries out the approved write', async () => {
    await askForSync();
    act(() => button('approval-approve').click());
    act(() => button('approval-approve').click()); // a second click sends nothing more
    await settle(() => decisions().length === 1);
    expect(decisions()).toEqual([{ stream: 'stream-1', id: 'ap-1', call_id: 'call_1', approve: true, arguments_sha256: SHA }]);
    const call = posted('/extensions/assistant/api/approvals')[0];
    expect(call.init?.method).toBe('POST');
    expect(call.init?.credentials).toBe('same-origin');
    expect(call.init?.headers).toMatchObject({
      'Argocd-Application-Name': 'argocd:payments',
      'Argocd-Project-Name': 'team-a',
      'X-Assistant-Browser-Reads': '1',
      'Content-Type': 'application/json',
    });
    expect(button('approval-approve').disabled).toBe(true);
    expect(button('approval-deny').disabled).toBe(true);
    expect(q('approval-state')?.textContent).toBe('Approved: running…');
    await push([
      ['approval_result', { id: 'ap-1', call_id: 'call_1', outcome: 'approved' }],
      ['argocd_request', syncRequest('ap-1')],
    ]);
    await settle(() => readAnswers().length === 1);
    const write = posted('/api/v1/applications/payments/sync')[0];
    expect(write.init?.method).toBe('POST');
    expect(write.init?.body).toBe(SYNC_BODY);
    expect((write.init?.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(readAnswers()[0]).toMatchObject({ stream: 'stream-1', id: 'write-1', status: 200, error: null });
    await push([['tool_result', { id: 'fc_1', name: 'sync_application', ok: true, summary: 'Sync application payments: done.' }]]);
    expect(q('approval-state')?.textContent).toBe('Approved: done');
  });

  it('posts approve: false on Deny, says nothing was run, and never carries out a write that names it', async () => {
    await askForSync();
    act(() => button('approval-deny').click());
    await settle(() => decisions().length === 1);
    expect(decisions()[0]).toEqual({ stream: 'stream-1', id: 'ap-1', call_id: 'call_1', approve: false, arguments_sha256: SHA });
    expect(button('approval-approve').disabled).toBe(true);
    expect(button('approval-deny').disabled).toBe(true);
    expect(q('approval-state')?.textContent).toBe('Declined: nothing was run');
    await push([
      ['approval_result', { id: 'ap-1', call_id: 'call_1', outcome: 'denied' }],
      ['argocd_request', syncRequest('ap-1')],
    ]);
    await settle(() => readAnswers().length === 1);
    expect(posted('/api/v1/applications/payments/sync')).toHaveLength(0);
    expect(String(readAnswers()[0].error)).toContain('does not carry out POST /api/v1/applications/payments/sync');
    await push([['tool_result', { id: 'fc_1', name: 'sync_application', ok: false, summary: "Not done: alice declined 'Sync…'." }]]);
    expect(q('approval-state')?.textContent).toBe('Declined: nothing was run');
  });

  it('shows the relay’s refusal of a late answer in words and keeps the buttons disabled', async () => {
    approvalsReply = () =>
      new Response(JSON.stringify({ code: 'approval_expired', message: 'This approval request was answered too late.' }), {
        status: 410,
        headers: { 'Content-Type': 'application/json' },
      });
    await askForSync();
    act(() => button('approval-approve').click());
    await settle(() => q('approval-card')?.getAttribute('data-state') === 'refused');
    expect(q('approval-state')?.textContent).toBe('This approval request was answered too late.');
    expect(button('approval-approve').disabled).toBe(true);
    expect(button('approval-deny').disabled).toBe(true);
    // the approval the relay refused lets nothing through either
    await push([['argocd_request', syncRequest('ap-1')]]);
    await settle(() => readAnswers().length === 1);
    expect(posted('/api/v1/applications/payments/sync')).toHaveLength(0);
  });

  it('says when the request expired before anyone answered', async () => {
    await askForSync();
    await push([['approval_result', { id: 'ap-1', call_id: 'call_1', outcome: 'expired' }]]);
    expect(q('approval-state')?.textContent).toBe('Expired: nothing was run');
    expect(button('approval-approve').disabled).toBe(true);
    expect(button('approval-deny').disabled).toBe(true);
  });

  it('shows Argo CD’s refusal of an approved action in its own words', async () => {
    const refusal =
      'Argo CD refused to sync application payments: permission denied: applications, sync, team-a/payments, sub: bob. ' +
      'Your Argo CD role lacks `applications, sync` on this application; an Argo CD admin grants it in argocd-rbac-cm.';
    await askForSync();
    act(() => button('approval-approve').click());
    await settle(() => decisions().length === 1);
    await push([
      ['approval_result', { id: 'ap-1', call_id: 'call_1', outcome: 'approved' }],
      ['tool_result', { id: 'fc_1', name: 'sync_application', ok: false, summary: refusal }],
    ]);
    expect(q('approval-card')?.getAttribute('data-state')).toBe('failed');
    expect(q('approval-state')?.textContent).toBe(refusal);
  });

  it('lets the person answer again when the decision did not reach the relay', async () => {
    approvalsReply = () => Promise.reject(new TypeError('Failed to fetch'));
    await askForSync();
    act(() => button('approval-approve').click());
    await settle(() => q('approval-state')?.textContent?.includes('did not reach the assistant') === true);
    expect(q('approval-state')?.textContent).toBe('Waiting for your approval. Your answer did not reach the assistant. Try again.');
    expect(button('approval-approve').disabled).toBe(false);
    approvalsReply = () => new Response(null, { status: 204 });
    act(() => button('approval-approve').click());
    await settle(() => decisions().length === 2);
    expect(q('approval-state')?.textContent).toBe('Approved: running…');
  });

  it('keeps the card with its final state in the stored conversation, never with live buttons', async () => {
    await askForSync();
    await finish(); // the answer ended while the request waited: nobody can approve it any more
    expect(q('approval-card')?.getAttribute('data-state')).toBe('closed');
    expect(q('approval-state')?.textContent).toBe('Not answered before the answer ended: nothing was run');
    expect(q('approval-approve')).toBeNull();
    act(() => root.unmount());
    root = createRoot(container);
    await render();
    expect(q('approval-card')?.textContent).toContain(SUMMARY);
    expect(q('approval-card')?.getAttribute('data-state')).toBe('closed');
    expect(q('approval-approve')).toBeNull();
    expect(q('approval-deny')).toBeNull();
  });

  it('stores an approved action’s outcome, and a page reloaded mid-answer never offers the old request', async () => {
    await askForSync();
    act(() => button('approval-approve').click());
    await settle(() => decisions().length === 1);
    await push([
      ['approval_result', { id: 'ap-1', call_id: 'call_1', outcome: 'approved' }],
      ['tool_result', { id: 'fc_1', name: 'sync_application', ok: true, summary: 'done' }],
    ]);
    await finish();
    act(() => root.unmount());
    root = createRoot(container);
    await render();
    expect(q('approval-state')?.textContent).toBe('Approved: done');
    expect(q('approval-approve')).toBeNull();
    // a second question whose card is left waiting when the tab goes away
    act(() => {
      const input = q('chat-input') as HTMLTextAreaElement;
      Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')?.set?.call(input, 'and again');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    act(() => button('chat-send').click());
    await settle(() => q('chat-stop') !== null);
    await push([
      ['start', { request_id: 'stream-2', conversation: 'conv-2', identity: 'browser' }],
      ['tool_call', { id: 'fc_2', name: 'sync_application', arguments: '{}' }],
      ['approval_request', { id: 'ap-2', call_id: 'call_2', tool: 'sync_application', summary: SUMMARY, arguments: SYNC_ARGS, arguments_sha256: SHA, expires_in_seconds: 300 }],
    ]);
    await settle(() => container.querySelectorAll('[data-testid="approval-card"]').length === 2);
    act(() => root.unmount());
    const stored = JSON.stringify(Object.values(sessionStorage));
    expect(stored).not.toContain('"state":"waiting"');
    root = createRoot(container);
    await render();
    const states = Array.from(container.querySelectorAll('[data-testid="approval-card"]')).map((c) => c.getAttribute('data-state'));
    expect(states).toEqual(['done', 'closed']);
    expect(q('approval-approve')).toBeNull();
  });
});
