// Where the relay is and what it allows: `window.ASSISTANT_VARS` (written by the extension installer's
// EXTENSION_JS_VARS) and the relay's `GET <base>/api/config`.
//
// The installer writes `extension-0-ASSISTANT_vars.js` with every key upper-cased (`BASEPATH`), and Argo CD
// loads it AFTER this bundle (it sorts after it in /extensions.js): read the vars on every use, never at load.

import type { AppRef } from './types';

export interface AssistantVars {
  basePath: string;
}

export interface RelayConfig {
  model: string;
  identity_modes: string[];
  log_lines_default: number;
  log_lines_max: number;
  /** Whether the relay takes ratings of answers (`POST /api/feedback`); false: no feedback controls at all. */
  feedback: boolean;
}

export const DEFAULT_BASE_PATH = '/extensions/assistant';
export const FALLBACK_CONFIG: RelayConfig = {
  model: '',
  identity_modes: [],
  log_lines_default: 200,
  log_lines_max: 1000,
  // a relay that does not say it takes feedback (an older one, or its config could not be read) gets none
  feedback: false,
};

export function assistantVars(): AssistantVars {
  const raw = (globalThis as { ASSISTANT_VARS?: unknown }).ASSISTANT_VARS;
  let basePath = DEFAULT_BASE_PATH;
  if (raw && typeof raw === 'object') {
    const vars = raw as { BASEPATH?: unknown; basePath?: unknown };
    const value = vars.BASEPATH ?? vars.basePath;
    // Same-origin paths only: the extension never sends the user's session anywhere else.
    if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) basePath = value;
  }
  return { basePath: basePath.replace(/\/+$/, '') };
}

/** True when calls go through Argo CD's proxy extension (no cookie reaches the relay). */
export function isProxyRoute(basePath: string): boolean {
  return basePath.startsWith('/extensions/');
}

/** Headers the proxy extension requires on every request (harmless on the direct route). */
export function routingHeaders(app: AppRef, token?: string | null): Record<string, string> {
  const headers: Record<string, string> = {
    'Argocd-Application-Name': `${app.namespace}:${app.name}`,
    'Argocd-Project-Name': app.project,
  };
  if (token) headers['X-Argocd-Token'] = token;
  return headers;
}

/**
 * POSTs a JSON body to one of the relay's endpoints beside the chat (`/api/approvals`, `/api/feedback`) with
 * the chat's headers, so the relay identifies the person the same way; null when it never got there.
 */
export async function postToRelay(
  basePath: string,
  path: string,
  app: AppRef,
  token: string | null,
  body: unknown,
  signal?: AbortSignal,
): Promise<Response | null> {
  try {
    return await fetch(`${basePath}${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      signal,
      headers: { ...routingHeaders(app, token), 'X-Assistant-Browser-Reads': '1', 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    return null;
  }
}

function positiveInt(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback;
}

export function parseRelayConfig(body: unknown): RelayConfig {
  const obj = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const max = positiveInt(obj.log_lines_max, FALLBACK_CONFIG.log_lines_max);
  return {
    model: typeof obj.model === 'string' ? obj.model : '',
    identity_modes: Array.isArray(obj.identity_modes)
      ? obj.identity_modes.filter((m): m is string => typeof m === 'string')
      : [],
    log_lines_max: max,
    log_lines_default: Math.min(positiveInt(obj.log_lines_default, FALLBACK_CONFIG.log_lines_default), max),
    feedback: obj.feedback === true,
  };
}

const cache = new Map<string, Promise<RelayConfig>>();

/** The relay's config, fetched once per base path and application; falls back to defaults on failure. */
export function loadRelayConfig(basePath: string, app: AppRef, token?: string | null): Promise<RelayConfig> {
  const key = `${basePath}|${app.namespace}:${app.name}|${token ? 'token' : ''}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = fetch(`${basePath}/api/config`, { headers: routingHeaders(app, token), credentials: 'same-origin' })
      .then(async (res) => (res.ok ? parseRelayConfig(await res.json()) : FALLBACK_CONFIG))
      .catch(() => FALLBACK_CONFIG);
    cache.set(key, pending);
  }
  return pending;
}
