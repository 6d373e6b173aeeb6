// Actions a person approves in the tab (sync, refresh, rollback, a resource action such as restart): the
// Argo CD requests an approval lets this tab carry out, and the person's Approve or Deny posted to the relay.
//
// The relay asks for an action's requests only once the person approved it, naming the approval; this tab
// checks that on its own side too: a request that changes something runs only for an approval its user gave
// by clicking Approve in the current answer (kept in the run, never read from storage), and only as the
// request of the action that was approved (the same tool, the same application). So a write nobody
// approved here never leaves the browser, whatever the relay asks.

import { postToRelay } from './config';
import type { ArgoCDRead } from './reads';
import { relayRefusal } from './refusal';
import type { AppRef } from './types';

/** What an approval was given for: the action tool and the application named in its arguments. */
export interface ApprovedAction {
  tool: string;
  application: string;
}

/** Approval id -> the action it approved: the Approve clicks of one answer's run. */
export type Approvals = ReadonlyMap<string, ApprovedAction>;

export const NO_APPROVALS: Approvals = new Map();

export function approvedAction(tool: string, args: Record<string, unknown>): ApprovedAction {
  return { tool, application: typeof args.application === 'string' ? args.application : '' };
}

// Each action's one request that changes something, as Argo CD's own UI sends it. A refresh is a GET of the
// application with `refresh` in its query: it makes Argo CD compare with Git again, so it is an action too.
const WRITE_TAILS: Record<string, string> = {
  sync_application: 'sync',
  rollback_application: 'rollback',
  run_resource_action: 'resource/actions/v2',
};
const WRITE = /^\/api\/v1\/applications\/([^/?#]+)\/(sync|rollback|resource\/actions\/v2)$/;
const APPLICATION = /^\/api\/v1\/applications\/([^/?#]+)$/;

/** True for a request that changes something: anything but a GET, or a GET that asks for a refresh. */
export function needsApproval(read: ArgoCDRead): boolean {
  return read.method !== 'GET' || read.query.some(([name]) => name === 'refresh');
}

function sameName(segment: string, name: string): boolean {
  try {
    return name !== '' && decodeURIComponent(segment) === name;
  } catch {
    return false; // a malformed escape names nothing
  }
}

/** Whether this request is the approved action's own request (see needsApproval for which need one). */
export function writeAllowed(read: ArgoCDRead, approvals: Approvals): boolean {
  const action = read.approval ? approvals.get(read.approval) : undefined;
  if (!action || read.path.includes('..')) return false;
  if (read.method === 'POST') {
    const match = WRITE.exec(read.path);
    return match !== null && typeof read.body === 'string' && WRITE_TAILS[action.tool] === match[2] && sameName(match[1], action.application);
  }
  if (read.method === 'GET') {
    const match = APPLICATION.exec(read.path);
    return match !== null && action.tool === 'refresh_application' && sameName(match[1], action.application);
  }
  return false;
}

export interface Decision {
  /** The answer's stream (`start.request_id`). */
  stream: string;
  id: string;
  call_id: string;
  approve: boolean;
  arguments_sha256: string;
}

/** The relay took the decision, or why not; `final` when asking again cannot help (the relay said no). */
export type DecisionAnswer = { ok: true } | { ok: false; final: boolean; status: number; code: string; message: string };

/** Posts the person's Approve or Deny (`POST <base>/api/approvals`); never throws. */
export async function postDecision(
  basePath: string,
  app: AppRef,
  token: string | null,
  decision: Decision,
  signal?: AbortSignal,
): Promise<DecisionAnswer> {
  const response = await postToRelay(basePath, '/api/approvals', app, token, decision, signal);
  if (response === null) {
    return { ok: false, final: false, status: 0, code: 'network', message: 'Your answer did not reach the assistant.' };
  }
  if (response.ok) return { ok: true };
  const refusal = await relayRefusal(response);
  // 4xx: the relay (or Argo CD's proxy) refused this decision for good; 5xx: a replica was unreachable
  return { ok: false, final: response.status < 500, status: refusal.status, code: refusal.code, message: refusal.message };
}
