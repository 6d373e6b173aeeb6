// The answer being streamed, apart from how it is shown: the chat request and its events, the Argo CD
// reads and approved actions the relay asks this tab to carry out, and the person's Approve / Deny. The
// Assistant component is its host; the runner only tells it what changed in a conversation's last message.

import { approvedAction, postDecision } from './actions';
import { applyEvent, leftMidAnswer, newRun, type Run, updateApproval } from './answer';
import { type ChatEvent, ChatHttpError, type ChatRequest, streamChat } from './chat';
import { answerRead } from './reads';
import { type ApprovalPart, type Conversation, endApprovals, type Message } from './storage';
import type { AppRef } from './types';

export interface RunHost {
  /** False once the tab is unmounted. */
  mounted(): boolean;
  /** The key of the conversation shown: a run's callbacks act only while its own is. */
  shownKey(): string;
  basePath(): string;
  app(): AppRef;
  token(): string | null;
  /** Changes the last (assistant) message of conversation `key`, only while that conversation is shown. */
  updateLast(key: string, fn: (m: Message) => Message): void;
  /** The relay's handle to continue conversation `key` from (the answer completed). */
  continueFrom(key: string, handle: string): void;
  /** A refusal (status 0: an error event of the stream) that a pasted token may be the way past. */
  refused(status: number, code: string): void;
  /** The run is over, however it ended: the tab takes the next question. */
  ended(): void;
}

export class Runner {
  private run: Run | null = null;

  constructor(private readonly host: RunHost) {}

  /** Whether a run's callbacks may still touch the state (it is current, for the conversation shown). */
  private owns(run: Run): boolean {
    return this.host.mounted() && this.run === run && this.host.shownKey() === run.key;
  }

  /** Streams the answer to `request` into the last message of conversation `key` (already added, pending). */
  start(key: string, request: ChatRequest): void {
    const run = newRun(key);
    const controller = run.controller;
    this.run = run;
    const host = this.host;
    streamChat(host.basePath(), request, {
      token: host.token(),
      signal: controller.signal,
      onEvent: (event) => this.onEvent(run, event),
    })
      .then(() => {
        if (!this.owns(run)) return;
        if (!run.sawEnd && !run.sawError) {
          host.updateLast(key, (m) => ({
            ...m,
            error: { code: 'incomplete', message: 'The answer was cut off before it finished.' },
          }));
        }
      })
      .catch((err: unknown) => {
        if (!this.owns(run)) return; // left for another conversation (already saved as stopped) or unmounted
        if (controller.signal.aborted) {
          host.updateLast(key, (m) => ({ ...m, stopped: true }));
          return;
        }
        if (err instanceof ChatHttpError) {
          host.refused(err.status, err.code);
          host.updateLast(key, (m) => ({ ...m, error: { code: err.code || String(err.status), message: err.message } }));
          return;
        }
        host.updateLast(key, (m) => ({
          ...m,
          error: { code: 'network', message: 'Could not reach the assistant. Check your connection and retry.' },
        }));
      })
      .then(() => {
        if (!this.owns(run)) return;
        this.run = null;
        // nothing of this answer can be approved any more: the relay stopped waiting with its stream
        host.updateLast(key, (m) => ({ ...endApprovals(m), pending: false }));
        host.ended();
      });
  }

  private onEvent(run: Run, event: ChatEvent): void {
    if (!this.owns(run)) return; // a late event of a stream that was stopped or left
    const key = run.key;
    const host = this.host;
    switch (event.type) {
      case 'start':
        run.handle = event.conversation || null;
        run.stream = event.request_id;
        host.updateLast(key, (m) => applyEvent(m, event));
        return;
      case 'argocd_request':
        // carried out with this browser's Argo CD session; a stopped answer aborts it
        void answerRead(host.basePath(), host.app(), run.stream, event.read, run.controller.signal, run.approved);
        return;
      case 'approval_request':
        run.asked.set(event.id, approvedAction(event.tool, event.arguments));
        host.updateLast(key, (m) => applyEvent(m, event));
        return;
      case 'token':
      case 'tool_call':
      case 'tool_result':
      case 'approval_result':
        host.updateLast(key, (m) => applyEvent(m, event));
        return;
      case 'error':
        run.sawError = true;
        host.refused(0, event.code);
        host.updateLast(key, (m) => applyEvent(m, event));
        return;
      case 'end':
        run.sawEnd = true;
        if (event.conversation) run.handle = event.conversation; // the last round's response
        if (!run.sawError && run.handle) host.continueFrom(key, run.handle);
        host.updateLast(key, (m) => applyEvent(m, event)); // the handle a rating of this answer names
        return;
    }
  }

  /**
   * The person's Approve or Deny on a card of the current answer, posted to the relay once. Approving
   * lets this run carry out that action's requests from the click on (the relay may ask before the POST's
   * answer arrives); a refusal takes that back and says why on the card.
   */
  decide(part: ApprovalPart, approve: boolean): void {
    const run = this.run;
    const action = run?.asked.get(part.id);
    if (!run || !action || !this.owns(run) || run.decided.has(part.id)) return;
    const key = run.key;
    const host = this.host;
    run.decided.add(part.id);
    if (approve) run.approved.set(part.id, action);
    const clicked = (p: ApprovalPart): ApprovalPart =>
      p.state === 'waiting' ? { ...p, state: approve ? 'approved' : 'denied', message: undefined } : p;
    host.updateLast(key, (m) => updateApproval(m, part.id, clicked));
    const decision = { stream: run.stream, id: part.id, call_id: part.call_id, approve, arguments_sha256: part.arguments_sha256 };
    void postDecision(host.basePath(), host.app(), host.token(), decision, run.controller.signal).then((answer) => {
      if (answer.ok || !this.owns(run)) return;
      run.approved.delete(part.id);
      host.refused(answer.status, answer.code);
      // the relay's own outcome (approval_result) stands over the tab's reading of a refusal
      const taken = (p: ApprovalPart): boolean => p.outcome !== undefined;
      if (answer.final) {
        host.updateLast(key, (m) => updateApproval(m, part.id, (p) => (taken(p) ? p : { ...p, state: 'refused', message: answer.message })));
        return;
      }
      // not delivered (network, an unreachable replica): the person may answer again while it is open
      run.decided.delete(part.id);
      host.updateLast(key, (m) =>
        updateApproval(m, part.id, (p) => (taken(p) ? p : { ...p, state: 'waiting', message: `${answer.message} Try again.` })),
      );
    });
  }

  /** Stops the current answer (its stream's end marks it stopped). */
  stop(): void {
    this.run?.controller.abort();
  }

  /** Aborts the current run, if any, and returns `conv` with its answer as the user left it. */
  detach(conv: Conversation): Conversation {
    const run = this.run;
    if (!run) return conv;
    this.run = null;
    run.controller.abort();
    return leftMidAnswer(conv, run);
  }
}
