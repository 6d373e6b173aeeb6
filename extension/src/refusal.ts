// A refusal of the relay (or of Argo CD's proxy in front of it) in words a person can act on: the chat and
// the approvals read the same error bodies.

/** A refusal before the stream started (HTTP status other than 200), or of a decision posted to the relay. */
export class ChatHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ChatHttpError';
  }
}

export const EXTENSION_FORBIDDEN =
  'Argo CD did not let your account use the Assistant ("Unauthorized extension request"). Using it needs the RBAC ' +
  'permission `extensions, invoke, assistant` (and read access to this application). Ask an Argo CD administrator ' +
  'to add a line such as `p, role:<your role>, extensions, invoke, assistant, allow` to the argocd-rbac-cm ConfigMap.';

export function str(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

/** The refusal in `res` (`{code, message}`, FastAPI's `{detail: …}`, or plain text) as a ChatHttpError. */
export async function relayRefusal(res: Response): Promise<ChatHttpError> {
  let message = '';
  let code = '';
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as Record<string, unknown>;
      const detail = body.detail;
      const inner = detail && typeof detail === 'object' ? (detail as Record<string, unknown>) : body;
      message = str(inner.message) || (typeof detail === 'string' ? detail : '') || str(body.error);
      code = str(inner.code);
    } catch {
      message = text.trim();
    }
  } catch {
    // body unreadable: the status alone speaks
  }
  if (res.status === 401 && !code && /unauthorized extension request/i.test(message)) {
    // Argo CD's proxy itself refused: the user lacks `extensions, invoke, assistant` (or read access to the
    // application). No token helps with that, so say who can fix it and how.
    return new ChatHttpError(EXTENSION_FORBIDDEN, 401, 'extension_forbidden');
  }
  if (!message) message = `The assistant answered HTTP ${res.status}.`;
  return new ChatHttpError(message.slice(0, 400), res.status, code);
}
