import { afterEach, describe, expect, it, vi } from 'vitest';

import type { Approvals } from '../src/actions';
import { answerRead, type ArgoCDRead, readAllowed } from '../src/reads';

const read = (path: string, method = 'GET', extra: Partial<ArgoCDRead> = {}): ArgoCDRead => ({
  id: 'r',
  method,
  path,
  query: [],
  max_bytes: 1000,
  timeout_seconds: 1,
  body: null,
  approval: null,
  ...extra,
});

const app = { name: 'payments', namespace: 'argocd', project: 'team-a' };

describe('the Argo CD reads the tab carries out for the relay', () => {
  it('allows the read-only application and ApplicationSet endpoints the tools use', () => {
    for (const path of [
      '/api/v1/applications',
      '/api/v1/applications/checkout',
      '/api/v1/applications/checkout/resource-tree',
      '/api/v1/applications/checkout/managed-resources',
      '/api/v1/applications/checkout/logs',
      '/api/v1/applications/checkout/revisions/9f2c1e4b7a0d/metadata',
      '/api/v1/applications/billing/revisions/2.4.1/chartdetails',
      '/api/v1/applicationsets',
      '/api/v1/applicationsets/team-a-previews',
    ]) {
      expect(readAllowed(read(path)), path).toBe(true);
    }
  });

  it('refuses writes, other APIs and paths that climb out', () => {
    for (const [path, method] of [
      ['/api/v1/applications/checkout/sync', 'GET'],
      ['/api/v1/applications/checkout', 'POST'],
      ['/api/v1/applications/checkout/revisions/abc/other', 'GET'],
      ['/api/v1/applications/checkout/revisions/metadata', 'GET'],
      ['/api/v1/applicationsets/x/y', 'GET'],
      ['/api/v1/session', 'GET'],
      ['/api/v1/applications/../session', 'GET'],
      ['/api/v1/clusters', 'GET'],
    ]) {
      expect(readAllowed(read(path, method)), `${method} ${path}`).toBe(false);
    }
  });

  it('lists a resource’s actions without any approval: it is a read', () => {
    const list = read('/api/v1/applications/payments/resource/actions', 'GET', {
      query: [['resourceName', 'api'], ['kind', 'Deployment']],
    });
    expect(readAllowed(list)).toBe(true);
    expect(readAllowed({ ...list, method: 'POST', body: '{}' })).toBe(false);
  });
});

describe('the requests of an action its user approved in the tab', () => {
  const approvals: Approvals = new Map([
    ['ap-sync', { tool: 'sync_application', application: 'payments' }],
    ['ap-rollback', { tool: 'rollback_application', application: 'payments' }],
    ['ap-restart', { tool: 'run_resource_action', application: 'payments' }],
    ['ap-refresh', { tool: 'refresh_application', application: 'payments' }],
  ]);
  const post = (path: string, approval: string | null): ArgoCDRead => read(path, 'POST', { body: '{"prune":false}', approval });

  it('refuses a POST that names no approval, or one its user did not give in this run', () => {
    expect(readAllowed(post('/api/v1/applications/payments/sync', null), approvals)).toBe(false);
    expect(readAllowed(post('/api/v1/applications/payments/sync', 'ap-from-storage'), approvals)).toBe(false);
    expect(readAllowed(post('/api/v1/applications/payments/sync', 'ap-sync'))).toBe(false);
  });

  it('allows exactly the sync, rollback and resource action writes, each for its own approved action', () => {
    expect(readAllowed(post('/api/v1/applications/payments/sync', 'ap-sync'), approvals)).toBe(true);
    expect(readAllowed(post('/api/v1/applications/payments/rollback', 'ap-rollback'), approvals)).toBe(true);
    expect(readAllowed(post('/api/v1/applications/payments/resource/actions/v2', 'ap-restart'), approvals)).toBe(true);
    for (const [path, approval] of [
      ['/api/v1/applications/payments/rollback', 'ap-sync'], // another action than the one approved
      ['/api/v1/applications/billing/sync', 'ap-sync'], // another application
      ['/api/v1/applications/payments/resource/actions', 'ap-restart'], // the v1 action endpoint
      ['/api/v1/applications/payments', 'ap-sync'],
      ['/api/v1/applications/payments/operation', 'ap-sync'],
      ['/api/v1/applications/payments/../billing/sync', 'ap-sync'],
      ['/api/v1/applicationsets/payments/sync', 'ap-sync'],
      ['/api/v1/clusters', 'ap-sync'],
    ]) {
      expect(readAllowed(post(path, approval), approvals), `POST ${path} (${approval})`).toBe(false);
    }
    expect(readAllowed(read('/api/v1/applications/payments/sync', 'DELETE', { approval: 'ap-sync' }), approvals)).toBe(false);
    expect(readAllowed(read('/api/v1/applications/payments/sync', 'POST', { approval: 'ap-sync' }), approvals)).toBe(false); // no body
  });

  it('needs an approved refresh for a GET that asks Argo CD to refresh; other GETs of the action are reads', () => {
    const refresh = (approval: string | null): ArgoCDRead =>
      read('/api/v1/applications/payments', 'GET', { query: [['refresh', 'normal']], approval });
    expect(readAllowed(refresh(null), approvals)).toBe(false);
    expect(readAllowed(refresh('ap-sync'), approvals)).toBe(false);
    expect(readAllowed(refresh('ap-refresh'), approvals)).toBe(true);
    // polling the application while its sync runs is a plain read
    expect(readAllowed(read('/api/v1/applications/payments', 'GET', { approval: 'ap-sync' }), approvals)).toBe(true);
  });
});

describe('carrying out an approved write', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends the body as is with exactly Content-Type: application/json and the session, and posts the answer back', async () => {
    const calls: Array<{ url: string; init?: RequestInit }> = [];
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      return url.startsWith('/api/v1/') ? new Response('{"operation":{}}') : new Response(null, { status: 204 });
    });
    const approvals: Approvals = new Map([['ap-sync', { tool: 'sync_application', application: 'payments' }]]);
    const body = '{"appNamespace":"argocd","dryRun":false,"prune":false}';
    const sync = read('/api/v1/applications/payments/sync', 'POST', { id: 'w1', body, approval: 'ap-sync' });
    await answerRead('/extensions/assistant', app, 'stream-1', sync, new AbortController().signal, approvals);
    const write = calls[0];
    expect(write.url).toBe('/api/v1/applications/payments/sync');
    expect(write.init?.method).toBe('POST');
    expect(write.init?.body).toBe(body);
    expect(write.init?.credentials).toBe('same-origin');
    expect((write.init?.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(JSON.parse(String(calls[1].init?.body))).toMatchObject({ stream: 'stream-1', id: 'w1', status: 200, error: null });
  });

  it('posts a refusal back, and never sends the write, without the approval', async () => {
    const calls: Array<{ url: string; init?: RequestInit }> = [];
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      return new Response(null, { status: 204 });
    });
    const sync = read('/api/v1/applications/payments/sync', 'POST', { id: 'w1', body: '{}', approval: 'ap-sync' });
    await answerRead('/extensions/assistant', app, 'stream-1', sync, new AbortController().signal);
    expect(calls.map((c) => c.url)).toEqual(['/extensions/assistant/api/argocd-responses']);
    const answer = JSON.parse(String(calls[0].init?.body));
    expect(answer).toMatchObject({ id: 'w1', status: null, body: '' });
    expect(answer.error).toContain('the Assistant tab does not carry out POST /api/v1/applications/payments/sync');
  });
});
