// The guided log flow: which containers a resource has, and Argo CD's NDJSON log stream.

import { ArgoCDRequestError, errorMessage } from './argocd';
import type { AppRef, KubeObject, ResourceRef } from './types';
import { resourceRef } from './types';

export const LOGS_FORBIDDEN = "You don't have permission to read logs of this application (logs, get)";

export interface ContainerChoice {
  name: string;
  init: boolean;
}

/** Kinds whose pods Argo CD finds through the tree from `kind`+`group`+`resourceName`. */
const WORKLOADS: Record<string, string> = {
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  ReplicaSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
  Rollout: 'argoproj.io',
};

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The pod spec of a Pod, or of a workload's pod template (CronJob: its job template's). */
export function podSpecOf(resource: KubeObject | null | undefined): Record<string, unknown> | undefined {
  if (!resource) return undefined;
  const spec = record(resource.spec);
  if (!spec) return undefined;
  if (resource.kind === 'Pod') return spec;
  if (resource.kind === 'CronJob') {
    return record(record(record(record(spec.jobTemplate)?.spec)?.template)?.spec);
  }
  return record(record(spec.template)?.spec);
}

export function containerChoices(resource: KubeObject | null | undefined): ContainerChoice[] {
  const podSpec = podSpecOf(resource);
  if (!podSpec) return [];
  const names = (list: unknown): string[] =>
    Array.isArray(list)
      ? list
          .map((c) => record(c)?.name)
          .filter((n): n is string => typeof n === 'string' && n !== '')
      : [];
  return [
    ...names(podSpec.containers).map((name) => ({ name, init: false })),
    ...names(podSpec.initContainers).map((name) => ({ name, init: true })),
  ];
}

export function supportsLogs(resource: KubeObject | null | undefined): boolean {
  return containerChoices(resource).length > 0;
}

export interface LogRequest {
  container: string;
  tailLines: number;
  previous: boolean;
  /** One pod of a workload; unset: every pod of it (Argo CD refuses more than MAX_LOG_PODS). */
  pod?: string;
}

/** Argo CD answers 400 "max pods to view logs are reached" beyond this many pods of one workload. */
export const MAX_LOG_PODS = 10;

interface TreeRef {
  group?: unknown;
  kind?: unknown;
  namespace?: unknown;
  name?: unknown;
  uid?: unknown;
}

interface TreeNode extends TreeRef {
  parentRefs?: unknown;
}

function sameResource(a: TreeRef, b: TreeRef): boolean {
  if (typeof a.uid === 'string' && a.uid && typeof b.uid === 'string' && b.uid) return a.uid === b.uid;
  return (
    (a.group || '') === (b.group || '') && a.kind === b.kind && (a.namespace || '') === (b.namespace || '') && a.name === b.name
  );
}

/**
 * The pods of a workload, found in the application's resource tree (the `tree` prop) by following
 * parentRefs down (Deployment → ReplicaSet → Pod, CronJob → Job → Pod). Null when the resource is not a
 * workload or the tree does not hold it (then nothing is known about its pods).
 */
export function workloadPods(resource: KubeObject | null | undefined, tree: unknown): string[] | null {
  const res = resourceRef(resource);
  if (!(res.kind in WORKLOADS)) return null;
  const rawNodes = record(tree)?.nodes;
  const nodes: TreeNode[] = Array.isArray(rawNodes) ? rawNodes.filter((n): n is TreeNode => record(n) !== undefined) : [];
  const self = nodes.find((n) => sameResource(n, res));
  if (!self) return null;
  const found = new Set<TreeNode>([self]);
  let frontier: TreeNode[] = [self];
  while (frontier.length > 0) {
    const next = nodes.filter(
      (n) =>
        !found.has(n) &&
        Array.isArray(n.parentRefs) &&
        n.parentRefs.some((p) => record(p) !== undefined && frontier.some((f) => sameResource(p as TreeRef, f))),
    );
    next.forEach((n) => found.add(n));
    frontier = next;
  }
  return [...found]
    .filter((n) => n.kind === 'Pod' && typeof n.name === 'string')
    .map((n) => n.name as string)
    .sort();
}

export function logsQuery(app: AppRef, res: ResourceRef, req: LogRequest): URLSearchParams {
  const q = new URLSearchParams();
  if (res.kind === 'Pod' || req.pod) {
    q.set('podName', req.pod || res.name);
  } else {
    q.set('kind', res.kind);
    q.set('group', res.group || WORKLOADS[res.kind] || '');
    q.set('resourceName', res.name);
  }
  if (res.namespace) q.set('namespace', res.namespace);
  q.set('container', req.container);
  q.set('tailLines', String(req.tailLines));
  q.set('follow', 'false');
  q.set('previous', req.previous ? 'true' : 'false');
  if (app.namespace) q.set('appNamespace', app.namespace);
  return q;
}

export interface LogLine {
  content: string;
  podName: string;
}

interface StreamError {
  grpc_code?: number;
  http_code?: number;
  message?: string;
}

function streamError(err: StreamError): ArgoCDRequestError {
  const status = typeof err.http_code === 'number' ? err.http_code : 500;
  if (status === 403 || err.grpc_code === 7) return new ArgoCDRequestError(LOGS_FORBIDDEN, 403);
  return new ArgoCDRequestError(typeof err.message === 'string' && err.message ? err.message : 'log stream failed', status);
}

/**
 * Parses Argo CD's log wire format: one JSON object per line, `{"result":{...,"last":false}}`, ended by
 * a `last: true` sentinel; `{"error":{...}}` inside the stream becomes an exception. Lines after the
 * sentinel are ignored; at most `maxLines` are kept (the newest).
 */
export function parseLogStream(text: string, maxLines = Number.POSITIVE_INFINITY): LogLine[] {
  const lines: LogLine[] = [];
  for (const raw of text.split('\n')) {
    let row = raw.trim();
    if (row.startsWith('data:')) row = row.slice(5).trim(); // the SSE flavour of the same objects
    if (!row) continue;
    let obj: { result?: Record<string, unknown>; error?: StreamError };
    try {
      obj = JSON.parse(row) as typeof obj;
    } catch {
      continue; // a torn or foreign line: skip rather than fail the whole attachment
    }
    if (obj.error) throw streamError(obj.error);
    const result = obj.result;
    if (!result) continue;
    if (result.last === true) break;
    lines.push({
      content: typeof result.content === 'string' ? result.content : '',
      podName: typeof result.podName === 'string' ? result.podName : '',
    });
  }
  return lines.length > maxLines ? lines.slice(lines.length - maxLines) : lines;
}

export async function fetchLogs(
  app: AppRef,
  res: ResourceRef,
  req: LogRequest,
  signal?: AbortSignal,
): Promise<LogLine[]> {
  const url = `/api/v1/applications/${encodeURIComponent(app.name)}/logs?${logsQuery(app, res, req).toString()}`;
  const response = await fetch(url, { credentials: 'same-origin', signal, headers: { Accept: 'application/json' } });
  if (response.status === 403) throw new ArgoCDRequestError(LOGS_FORBIDDEN, 403);
  if (!response.ok) throw new ArgoCDRequestError(await errorMessage(response), response.status);
  return parseLogStream(await response.text(), req.tailLines);
}
