// The person's rating of an answer (Helpful / Not helpful, an optional comment), posted to the relay so
// operators learn which answers helped: `POST <base>/api/feedback`, naming the answer by the relay's handle.

import { postToRelay } from './config';
import { relayRefusal } from './refusal';
import type { Rating } from './storage';
import type { AppRef } from './types';

/** The relay refuses longer comments (400); the comment box stops at this length so that never happens. */
export const COMMENT_MAX = 2000;

export interface FeedbackBody {
  /** The handle of the answer rated (its `end` event's `conversation`, else its `start` event's). */
  conversation: string;
  rating: Rating;
  comment: string | null;
}

/** The relay took the rating, or why not; `final` when sending it again cannot help (the relay said no). */
export type FeedbackAnswer = { ok: true } | { ok: false; final: boolean; status: number; code: string; message: string };

/** The comment as posted: trimmed, at most COMMENT_MAX characters, null when there is none. */
export function feedbackComment(text: string | null): string | null {
  const comment = (text ?? '').trim().slice(0, COMMENT_MAX);
  return comment === '' ? null : comment;
}

// A 4xx is the relay's (or Argo CD's proxy's) last word (invalid, another user's conversation, feedback
// switched off, too large), except what a second try may get past: a token the relay needs (401, the token
// field opens; Argo CD refusing the extension itself is final), a timeout (408) or a rate limit (429).
function final(status: number, code: string): boolean {
  if (status < 400 || status >= 500 || status === 408 || status === 429) return false;
  return status !== 401 || code === 'extension_forbidden';
}

// Words of the tab's own for the refusals it knows: a 413 may come from a proxy with an HTML page as body.
function refusalWords(status: number, code: string, message: string): string {
  if (code === 'feedback_disabled') return 'Feedback is switched off for this assistant.';
  if (status === 413) return `The feedback is too large for the assistant (a comment takes at most ${COMMENT_MAX} characters).`;
  return message;
}

/** Posts one rating (`POST <base>/api/feedback`, the same headers as the chat's); never throws. */
export async function postFeedback(
  basePath: string,
  app: AppRef,
  token: string | null,
  body: FeedbackBody,
  signal?: AbortSignal,
): Promise<FeedbackAnswer> {
  // the relay also checks that the answer rated is one of this person's
  const response = await postToRelay(basePath, '/api/feedback', app, token, { ...body, comment: feedbackComment(body.comment) }, signal);
  if (response === null) {
    return { ok: false, final: false, status: 0, code: 'network', message: 'Your feedback did not reach the assistant.' };
  }
  if (response.ok) return { ok: true };
  const refusal = await relayRefusal(response);
  return {
    ok: false,
    final: final(refusal.status, refusal.code),
    status: refusal.status,
    code: refusal.code,
    message: refusalWords(refusal.status, refusal.code, refusal.message),
  };
}
