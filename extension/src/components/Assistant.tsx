import * as React from 'react';

import { markStoredFeedback, withFeedback } from '../answer';
import { ArgoCDRequestError, canReadLogs, fetchEvents } from '../argocd';
import { type ChatContext, needsToken } from '../chat';
import { assistantVars, FALLBACK_CONFIG, isProxyRoute, loadRelayConfig, type RelayConfig } from '../config';
import { type FeedbackAnswer, postFeedback } from '../feedback';
import { containerChoices, fetchLogs, type LogRequest, workloadPods } from '../logs';
import { Runner } from '../runner';
import {
  type ApprovalPart,
  type AttachedLogs,
  clearConversation,
  type Conversation,
  conversationKey,
  type FeedbackMark,
  loadAttachedLogs,
  loadConversation,
  loadToken,
  type Message,
  type Rating,
  saveAttachedLogs,
  saveConversation,
  saveToken,
} from '../storage';
import { appRef, type ExtensionProps, resourceRef } from '../types';
import { type Chip, ContextChips, type EventsState } from './ContextChips';
import { LogsForm } from './LogsForm';
import { TokenPanel } from './TokenPanel';
import { Header } from './Header';
import { Transcript } from './Transcript';

type LogsState = AttachedLogs;

interface State {
  key: string;
  conv: Conversation;
  input: string;
  streaming: boolean;
  manifest: boolean;
  events: EventsState;
  logs: LogsState | null;
  logsForm: boolean;
  logsBusy: boolean;
  logsError: string | null;
  /** Whether Argo CD lets this user read the application's logs (null: not known yet, or Argo CD could not say). */
  logsAllowed: boolean | null;
  open: Chip | null;
  config: RelayConfig;
  token: string | null;
  tokenNeeded: boolean;
  tokenInput: string;
  dark: boolean;
}

export class Assistant extends React.Component<ExtensionProps, State> {
  // The answer being streamed (runner.ts): it tells this component what changed, only for the conversation
  // shown and only while mounted.
  private runner = new Runner({
    mounted: () => !this.unmounted,
    shownKey: () => this.state.key,
    basePath: () => this.base(),
    app: () => this.app(),
    token: () => this.state.token,
    updateLast: (key, fn) => this.updateLast(key, fn),
    continueFrom: (key, handle) => this.setState((s) => (s.key === key ? { conv: { ...s.conv, handle } } : null)),
    refused: (status, code) => {
      if (this.offersToken(status, code)) this.setState({ tokenNeeded: true });
    },
    ended: () => this.setState({ streaming: false }),
  });
  private eventsAbort: AbortController | null = null;
  private logsAbort: AbortController | null = null;
  private unmounted = false;
  private rootRef = React.createRef<HTMLDivElement>();
  private transcriptRef = React.createRef<HTMLDivElement>();
  private inputRef = React.createRef<HTMLTextAreaElement>();
  private sendRef = React.createRef<HTMLButtonElement>();

  constructor(props: ExtensionProps) {
    super(props);
    const key = this.currentKey();
    this.state = {
      key,
      conv: loadConversation(key),
      input: '',
      streaming: false,
      manifest: true,
      events: { status: 'loading', items: [] },
      logs: loadAttachedLogs(key),
      logsForm: false,
      logsBusy: false,
      logsError: null,
      logsAllowed: null,
      open: null,
      config: FALLBACK_CONFIG,
      token: loadToken(),
      tokenNeeded: false,
      tokenInput: '',
      dark: false,
    };
  }

  private app() {
    return appRef(this.props.application);
  }

  private res() {
    const { resource, application } = this.props;
    // the Application's own tab: Argo CD's UI adds kind and apiVersion, which the API leaves out; a host that
    // does not is read the same way
    if (resource && resource === application && !resource.kind) {
      return resourceRef({ ...resource, apiVersion: 'argoproj.io/v1alpha1', kind: 'Application' });
    }
    return resourceRef(resource);
  }

  private currentKey(): string {
    return conversationKey(this.app(), this.res());
  }

  private base(): string {
    return assistantVars().basePath;
  }

  componentDidMount(): void {
    this.detectTheme();
    this.scrollToNewest();
    this.loadEvents();
    this.checkLogsAllowed();
    loadRelayConfig(this.base(), this.app(), this.state.token).then((config) => {
      if (!this.unmounted) this.setState({ config });
    });
  }

  componentDidUpdate(_prev: ExtensionProps, prevState: State): void {
    const key = this.currentKey();
    if (key !== this.state.key) {
      // Another resource in the same mounted tab: stop what belongs to the previous one and keep its
      // conversation as left (a cut-off answer marked stopped); its stream's late callbacks are ignored.
      saveConversation(this.state.key, this.detachRun());
      this.logsAbort?.abort();
      this.setState({
        key,
        conv: loadConversation(key),
        streaming: false,
        manifest: true,
        logs: loadAttachedLogs(key),
        logsForm: false,
        logsError: null,
        open: null,
      });
      this.loadEvents();
      this.checkLogsAllowed();
      return;
    }
    if (prevState.logs !== this.state.logs && prevState.key === this.state.key) {
      saveAttachedLogs(this.state.key, this.state.logs);
    }
    if (prevState.conv !== this.state.conv || prevState.streaming !== this.state.streaming) {
      // Saved once a stream is over (React 16 applies the last two updates separately, hence both checks).
      if (!this.state.streaming) saveConversation(this.state.key, this.state.conv);
      this.scrollToNewest();
    } else if (prevState.config !== this.state.config) {
      // the relay's config arrives after the first render and may add controls under the answers
      this.scrollToNewest();
    }
    this.keepFocus(prevState);
  }

  componentWillUnmount(): void {
    this.unmounted = true;
    const conv = this.detachRun();
    this.eventsAbort?.abort();
    this.logsAbort?.abort();
    saveConversation(this.state.key, conv);
  }

  /** Aborts the current run, if any, and returns the conversation with its answer as the user left it. */
  private detachRun(): Conversation {
    return this.runner.detach(this.state.conv);
  }

  /**
   * Keeps keyboard focus where a person expects it when the control they used goes away: the Send/Stop
   * button turns into a disabled Send when an answer ends (focus goes back to the question box), and the
   * logs form closes after Attach or Cancel (focus goes to the new logs chip, or to Attach logs).
   */
  private keepFocus(prevState: State): void {
    const doc = this.rootRef.current?.ownerDocument;
    if (!doc) return;
    if (prevState.streaming && !this.state.streaming && doc.activeElement === this.sendRef.current) {
      this.inputRef.current?.focus();
    }
    if (prevState.logsForm && !this.state.logsForm && prevState.key === this.state.key) {
      const root = this.rootRef.current;
      const active = doc.activeElement;
      if (root && (!active || active === doc.body || root.contains(active))) {
        const target =
          root.querySelector<HTMLElement>('[data-testid="chip-logs"] button') ??
          root.querySelector<HTMLElement>('[data-testid="attach-logs"]');
        target?.focus();
      }
    }
  }

  /** The newest message in view: on every update of the conversation, and on returning to the tab. */
  private scrollToNewest(): void {
    const el = this.transcriptRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }

  private checkLogsAllowed(): void {
    const key = this.state.key;
    canReadLogs(this.app()).then((allowed) => {
      if (!this.unmounted && this.state.key === key) this.setState({ logsAllowed: allowed });
    });
  }

  private detectTheme(): void {
    try {
      const el = this.rootRef.current;
      if (!el || el.closest('.theme-dark') || el.closest('.theme-light')) return;
      const mq = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
      if (mq?.matches) this.setState({ dark: true });
    } catch {
      // cosmetic only
    }
  }

  private loadEvents = (): void => {
    this.eventsAbort?.abort();
    const controller = new AbortController();
    this.eventsAbort = controller;
    this.setState({ events: { status: 'loading', items: [] } });
    fetchEvents(this.app(), this.res(), controller.signal).then(
      (items) => {
        if (!controller.signal.aborted) this.setState({ events: { status: 'ready', items } });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        const message = err instanceof Error ? err.message : 'could not load events';
        this.setState({ events: { status: 'error', items: [], error: message } });
      },
    );
  };

  private attachLogs = (req: LogRequest): void => {
    this.logsAbort?.abort();
    const controller = new AbortController();
    this.logsAbort = controller;
    this.setState({ logsBusy: true, logsError: null });
    fetchLogs(this.app(), this.res(), req, controller.signal).then(
      (lines) => {
        if (controller.signal.aborted) return;
        this.setState({
          logsBusy: false,
          logsForm: false,
          logs: {
            container: req.container,
            previous: req.previous,
            pod: req.pod ?? null,
            lines: lines.map((l) => l.content),
          },
        });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        const message =
          err instanceof ArgoCDRequestError ? err.message : `Could not fetch logs: ${err instanceof Error ? err.message : err}`;
        this.setState({ logsBusy: false, logsError: message });
      },
    );
  };

  private buildContext(): ChatContext {
    const { resource } = this.props;
    return {
      manifest: this.state.manifest && resource ? JSON.stringify(resource, null, 2) : null,
      events: this.state.events.status === 'ready' ? this.state.events.items : null,
      logs: this.state.logs
        ? { container: this.state.logs.container, lines: this.state.logs.lines, previous: this.state.logs.previous }
        : null,
    };
  }

  /** Updates the last (assistant) message of conversation `key`, only while that conversation is shown. */
  private updateLast(key: string, fn: (m: Message) => Message): void {
    this.setState((s) => {
      if (s.key !== key) return null;
      const messages = s.conv.messages.slice();
      const last = messages[messages.length - 1];
      if (!last || last.role !== 'assistant') return null;
      messages[messages.length - 1] = fn(last);
      return { conv: { ...s.conv, messages } };
    });
  }

  private send = (text: string): void => {
    const message = text.trim();
    if (!message || this.state.streaming) return;
    const key = this.state.key;
    const request = {
      message,
      application: this.app(),
      resource: this.res(),
      context: this.buildContext(),
      conversation: this.state.conv.handle,
    };
    this.setState((s) => ({
      input: '',
      streaming: true,
      conv: {
        ...s.conv,
        messages: [
          ...s.conv.messages,
          { role: 'user', parts: [{ type: 'text', text: message }] },
          { role: 'assistant', parts: [], pending: true },
        ],
      },
    }));
    this.runner.start(key, request);
  };

  private decide = (part: ApprovalPart, approve: boolean): void => {
    this.runner.decide(part, approve);
  };

  /**
   * Posts the person's rating of the answer `handle`. A settled outcome (taken, or refused for good) goes
   * into that answer's message, so it is stored and a reload shows it; what did not arrive is left for the
   * Feedback control to offer again.
   */
  private sendFeedback = (handle: string, rating: Rating, comment: string | null): Promise<FeedbackAnswer> => {
    const key = this.state.key;
    return postFeedback(this.base(), this.app(), this.state.token, { conversation: handle, rating, comment }).then((answer) => {
      if (answer.ok) {
        this.markFeedback(key, handle, { rating, state: 'sent' });
      } else {
        if (!this.unmounted && this.offersToken(answer.status, answer.code)) this.setState({ tokenNeeded: true });
        if (answer.final) this.markFeedback(key, handle, { rating, state: 'refused', message: answer.message });
      }
      return answer;
    });
  };

  /** The rating's outcome on its answer: in the state while its conversation is shown, else in storage. */
  private markFeedback(key: string, handle: string, mark: FeedbackMark): void {
    const shown = !this.unmounted && this.state.key === key;
    if (shown) {
      // by handle, not index: Retry or New conversation may have changed the messages meanwhile
      this.setState((s) => (s.key === key ? { conv: withFeedback(s.conv, handle, mark) } : null));
      // saved with the conversation on the next update, unless another answer streams (saved only after it)
      if (!this.state.streaming) return;
    }
    // the person went on to another resource (or left the tab) before the relay answered, or a reload
    // mid-answer must not lose it: the stored copy gets the mark now
    markStoredFeedback(key, handle, mark);
  }

  /** Whether pasting a token is the way on: on the proxy route, when the relay accepts one at all. */
  private offersToken(status: number, code: string): boolean {
    const modes = this.state.config.identity_modes;
    return isProxyRoute(this.base()) && needsToken(status, code, modes.length ? modes : undefined);
  }

  private stop = (): void => {
    this.runner.stop();
  };

  private retry = (): void => {
    const messages = this.state.conv.messages;
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    if (!lastUser || this.state.streaming) return;
    const text = lastUser.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    const idx = messages.lastIndexOf(lastUser);
    this.setState({ conv: { ...this.state.conv, messages: messages.slice(0, idx) } }, () => this.send(text));
  };

  private newConversation = (): void => {
    this.detachRun();
    clearConversation(this.state.key);
    this.setState({ conv: { handle: null, messages: [] }, input: '', streaming: false });
  };

  private onKeyDown = (e: React.KeyboardEvent<HTMLTextAreaElement>): void => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      this.send(this.state.input);
    }
  };

  private saveTokenInput = (e: React.FormEvent): void => {
    e.preventDefault();
    const token = this.state.tokenInput.trim();
    if (!token) return;
    saveToken(token);
    this.setState({ token, tokenInput: '', tokenNeeded: false });
  };

  private forgetToken = (): void => {
    saveToken(null);
    this.setState({ token: null });
  };

  render(): React.ReactNode {
    const { conv, streaming, input, config } = this.state;
    const messages = conv.messages;
    const last = messages[messages.length - 1];
    const failed = !streaming && last && last.role === 'assistant' && last.error ? last.error : null;
    const res = this.res();
    return (
      <div ref={this.rootRef} className={`aa-root${this.state.dark ? ' aa-dark' : ''}`} data-testid="assistant-root">
        <Header kind={res.kind} name={res.name} model={config.model} canRestart={messages.length > 0 || Boolean(conv.handle)} onNew={this.newConversation} />
        <ContextChips
          resource={this.props.resource}
          manifest={this.state.manifest}
          events={this.state.events}
          logs={this.state.logs}
          hasContainers={containerChoices(this.props.resource).length > 0}
          logsAllowed={this.state.logsAllowed}
          logsForm={this.state.logsForm}
          open={this.state.open}
          onToggle={(chip) => this.setState((s) => ({ open: s.open === chip ? null : chip }))}
          onManifest={(attached) => this.setState((s) => ({ manifest: attached, open: attached ? s.open : null }))}
          onRemoveEvents={() => this.setState({ events: { status: 'removed', items: [] }, open: null })}
          onLoadEvents={this.loadEvents}
          onRemoveLogs={() => this.setState({ logs: null, open: null })}
          onOpenLogsForm={() => this.setState({ logsForm: true, logsError: null })}
        />
        {this.state.logsForm ? (
          <LogsForm
            containers={containerChoices(this.props.resource)}
            pods={workloadPods(this.props.resource, this.props.tree)}
            kind={res.kind}
            defaultLines={config.log_lines_default}
            maxLines={config.log_lines_max}
            busy={this.state.logsBusy}
            onAttach={this.attachLogs}
            onCancel={() => {
              this.logsAbort?.abort();
              this.setState({ logsForm: false, logsBusy: false, logsError: null });
            }}
          />
        ) : null}
        {this.state.logsError ? (
          <div className="aa-error" role="alert" data-testid="logs-error">
            {this.state.logsError}
          </div>
        ) : null}
        {isProxyRoute(this.base()) ? (
          <TokenPanel
            needed={this.state.tokenNeeded}
            using={Boolean(this.state.token)}
            input={this.state.tokenInput}
            onInput={(tokenInput) => this.setState({ tokenInput })}
            onSave={this.saveTokenInput}
            onForget={this.forgetToken}
          />
        ) : null}
        <Transcript
          containerRef={this.transcriptRef}
          messages={messages}
          streaming={streaming}
          kind={res.kind}
          onDecide={this.decide}
          onFeedback={config.feedback ? this.sendFeedback : undefined}
        />
        {failed ? (
          <div className="aa-error" role="alert" data-testid="chat-error">
            <span>{failed.message || 'Something went wrong.'}</span>
            <button type="button" className="aa-btn aa-btn--small" onClick={this.retry} data-testid="chat-retry">
              Retry
            </button>
          </div>
        ) : null}
        <div className="aa-composer">
          <label className="aa-sr" htmlFor="aa-input">
            Question for the assistant
          </label>
          <textarea
            ref={this.inputRef}
            id="aa-input"
            data-testid="chat-input"
            rows={2}
            placeholder="Ask the assistant… (Enter sends, Shift+Enter for a new line)"
            value={input}
            onChange={(e) => this.setState({ input: e.target.value })}
            onKeyDown={this.onKeyDown}
          />
          {/* One button whose action follows `streaming`: swapping two buttons would drop keyboard focus. */}
          <button
            ref={this.sendRef}
            type="button"
            className={`aa-btn ${streaming ? 'aa-btn--danger' : 'aa-btn--primary'}`}
            onClick={streaming ? this.stop : () => this.send(input)}
            disabled={!streaming && !input.trim()}
            data-testid={streaming ? 'chat-stop' : 'chat-send'}
          >
            {streaming ? 'Stop' : 'Send'}
          </button>
        </div>
      </div>
    );
  }
}
