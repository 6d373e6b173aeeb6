import { afterEach, describe, expect, it, vi } from 'vitest';

import { containerChoices, fetchLogs, LOGS_FORBIDDEN, logsQuery, parseLogStream, workloadPods } from '../src/logs';
import { appRef, resourceRef } from '../src/types';

const app = appRef({ metadata: { name: 'checkout', namespace: 'argocd' }, spec: { project: 'team-a' } });

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'checkout-api-7d9-abcde', namespace: 'checkout', uid: 'u1' },
  spec: { containers: [{ name: 'api' }, { name: 'sidecar' }], initContainers: [{ name: 'migrate' }] },
};

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'checkout-api', namespace: 'checkout' },
  spec: { template: { spec: { containers: [{ name: 'api' }], initContainers: [{ name: 'migrate' }] } } },
};

function line(content: string, last = false): string {
  return JSON.stringify({
    result: { content, timeStamp: '2026-01-01T00:00:00Z', timeStampStr: '', podName: last ? '' : 'p1', last },
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('container choices', () => {
  it('lists a pod’s containers and then its init containers, marked as init', () => {
    expect(containerChoices(pod)).toEqual([
      { name: 'api', init: false },
      { name: 'sidecar', init: false },
      { name: 'migrate', init: true },
    ]);
  });

  it('reads a workload’s pod template and a CronJob’s job template', () => {
    expect(containerChoices(deployment)).toEqual([
      { name: 'api', init: false },
      { name: 'migrate', init: true },
    ]);
    const cron = {
      kind: 'CronJob',
      spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'job' }] } } } } },
    };
    expect(containerChoices(cron)).toEqual([{ name: 'job', init: false }]);
  });

  it('offers nothing for resources without pods', () => {
    expect(containerChoices({ kind: 'ConfigMap', metadata: { name: 'c' } })).toEqual([]);
    expect(containerChoices({ kind: 'Service', spec: { ports: [] } })).toEqual([]);
    expect(containerChoices(null)).toEqual([]);
  });
});

describe('pods of a workload from the resource tree', () => {
  const ref = (kind: string, name: string, group = 'batch') => ({ group, kind, namespace: 'jobs', name });
  const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'jobs' } };
  const tree = {
    nodes: [
      { ...ref('CronJob', 'nightly'), version: 'v1' },
      { ...ref('Job', 'nightly-1'), parentRefs: [ref('CronJob', 'nightly')] },
      { ...ref('Job', 'nightly-2'), parentRefs: [ref('CronJob', 'nightly')] },
      { ...ref('Pod', 'nightly-2-b', ''), parentRefs: [ref('Job', 'nightly-2')] },
      { ...ref('Pod', 'nightly-1-a', ''), parentRefs: [ref('Job', 'nightly-1')] },
      { ...ref('Pod', 'unrelated', ''), parentRefs: [ref('Job', 'other')] },
      { ...ref('ConfigMap', 'nightly', ''), parentRefs: [ref('CronJob', 'nightly')] },
    ],
  };

  it('follows parentRefs down through every level (CronJob → Job → Pod) and lists only pods', () => {
    expect(workloadPods(cron, tree)).toEqual(['nightly-1-a', 'nightly-2-b']);
  });

  it('matches by uid when both sides have one', () => {
    const dep = { ...deployment, metadata: { ...deployment.metadata, uid: 'd1' } };
    const byUid = {
      nodes: [
        { group: 'apps', kind: 'Deployment', namespace: 'checkout', name: 'checkout-api', uid: 'd1' },
        { group: '', kind: 'Pod', namespace: 'checkout', name: 'p', uid: 'p1', parentRefs: [{ kind: 'Deployment', name: 'x', uid: 'd1' }] },
      ],
    };
    expect(workloadPods(dep, byUid)).toEqual(['p']);
  });

  it('knows nothing for a Pod, a non-workload, or a tree without the resource', () => {
    expect(workloadPods(pod, tree)).toBeNull();
    expect(workloadPods({ kind: 'ConfigMap', metadata: { name: 'nightly', namespace: 'jobs' } }, tree)).toBeNull();
    expect(workloadPods(deployment, tree)).toBeNull();
    expect(workloadPods(cron, undefined)).toBeNull();
    expect(workloadPods(cron, { nodes: [ref('CronJob', 'nightly')] })).toEqual([]);
  });
});

describe('log query', () => {
  it('names a pod by podName and a workload by kind, group and resourceName', () => {
    const req = { container: 'api', tailLines: 100, previous: true };
    const podQ = logsQuery(app, resourceRef(pod), req);
    expect(podQ.get('podName')).toBe('checkout-api-7d9-abcde');
    expect(podQ.get('previous')).toBe('true');
    expect(podQ.get('tailLines')).toBe('100');
    expect(podQ.get('appNamespace')).toBe('argocd');
    const depQ = logsQuery(app, resourceRef(deployment), { ...req, previous: false });
    expect([depQ.get('kind'), depQ.get('group'), depQ.get('resourceName')]).toEqual(['Deployment', 'apps', 'checkout-api']);
    expect(depQ.get('podName')).toBeNull();
    expect(depQ.get('follow')).toBe('false');
    const onePod = logsQuery(app, resourceRef(deployment), { ...req, pod: 'checkout-api-7d9-abcde' });
    expect(onePod.get('podName')).toBe('checkout-api-7d9-abcde');
    expect(onePod.get('kind')).toBeNull();
  });
});

describe('log stream', () => {
  it('keeps content lines up to the last sentinel and ignores what follows it', () => {
    const text = [line('one'), line('two'), line('', true), line('after')].join('\n');
    expect(parseLogStream(text).map((l) => l.content)).toEqual(['one', 'two']);
  });

  it('keeps only the newest lines beyond the cap and skips torn lines', () => {
    const text = [line('1'), '{"result": torn', line('2'), line('3'), line('', true)].join('\n');
    expect(parseLogStream(text, 2).map((l) => l.content)).toEqual(['2', '3']);
  });

  it('raises the error sent inside the stream', () => {
    const text = [line('one'), JSON.stringify({ error: { grpc_code: 3, http_code: 400, message: 'max pods to view logs are reached', http_status: 'Bad Request' } })].join('\n');
    expect(() => parseLogStream(text)).toThrow('max pods to view logs are reached');
  });

  it('fetches through the application logs endpoint and returns the lines', async () => {
    const fetchMock = vi.fn(async (_url: string) => new Response([line('boom'), line('', true)].join('\n') + '\n', { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    const lines = await fetchLogs(app, resourceRef(pod), { container: 'api', tailLines: 50, previous: false });
    expect(lines.map((l) => l.content)).toEqual(['boom']);
    expect(String(fetchMock.mock.calls[0][0])).toMatch(/^\/api\/v1\/applications\/checkout\/logs\?podName=checkout-api-7d9-abcde/);
  });

  it('explains a 403 as the missing logs permission', async () => {
    vi.stubGlobal('fetch', async () => new Response('{"error":"permission denied","code":7,"message":"permission denied"}', { status: 403 }));
    await expect(fetchLogs(app, resourceRef(pod), { container: 'api', tailLines: 50, previous: false })).rejects.toThrow(LOGS_FORBIDDEN);
    expect(LOGS_FORBIDDEN).toBe("You don't have permission to read logs of this application (logs, get)");
  });

  it('explains a permission error inside the stream the same way', () => {
    const text = JSON.stringify({ error: { grpc_code: 7, http_code: 403, message: 'permission denied' } });
    expect(() => parseLogStream(text)).toThrow(LOGS_FORBIDDEN);
  });

  it('passes on Argo CD’s message for other failures', async () => {
    vi.stubGlobal('fetch', async () => new Response('{"error":"max pods to view logs are reached. Please provide more granular query","code":3,"message":"max pods to view logs are reached. Please provide more granular query"}', { status: 400 }));
    await expect(fetchLogs(app, resourceRef(deployment), { container: 'api', tailLines: 5, previous: false })).rejects.toThrow(/max pods/);
  });
});
