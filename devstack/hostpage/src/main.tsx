// The host page's UI: a minimal Argo CD look-alike that renders registered resource extensions with
// the same props Argo CD gives them ({resource, application, tree}). Works on React 16 and 19.

import * as React from 'react';
import * as ReactDOM from 'react-dom';

type Obj = Record<string, any>;

interface Registered {
  component: React.ComponentType<any>;
  group: string;
  kind: string;
  title: string;
  icon?: string;
}

const registry: Registered[] = [];
const listeners: Array<() => void> = [];

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('**')
    .map((part) => part.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

(window as any).extensionsAPI = {
  registerResourceExtension(component: React.ComponentType<any>, group: string, kind: string, title: string, opts?: { icon?: string }) {
    registry.push({ component, group, kind, title, icon: opts?.icon });
    listeners.forEach((l) => l());
  },
  registerSystemLevelExtension() {},
  registerAppViewExtension() {},
  registerStatusPanelExtension() {},
  registerTopBarActionMenuExt() {},
};

function extensionsFor(group: string, kind: string): Registered[] {
  return registry.filter((e) => globToRegExp(e.group).test(group) && globToRegExp(e.kind).test(kind));
}

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin', ...init });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = JSON.parse(text).message ?? text;
    } catch {
      // keep the raw text
    }
    throw new Error(`${res.status}: ${message}`);
  }
  return JSON.parse(text) as T;
}

const query = new URLSearchParams(location.search);

function setQuery(changes: Record<string, string | null>): void {
  const q = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) q.delete(k);
    else q.set(k, v);
  }
  history.replaceState(null, '', `${location.pathname}?${q.toString()}`);
}

interface LoginProps {
  onLogin: () => void;
}

class Login extends React.Component<LoginProps, { username: string; password: string; error: string }> {
  state = { username: query.get('user') ?? 'admin', password: '', error: '' };

  private submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    try {
      // Like Argo CD's login page: the server sets the httpOnly argocd.token cookie; no script touches it.
      await api<{ token: string }>('/api/v1/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: this.state.username, password: this.state.password }),
      });
      this.props.onLogin();
    } catch (err) {
      this.setState({ error: err instanceof Error ? err.message : String(err) });
    }
  };

  render() {
    return (
      <form className="hp-card hp-login" onSubmit={this.submit} aria-label="Log in" data-testid="login-form">
        <b>Log in to Argo CD (devstack)</b>
        <label>
          Username
          <br />
          <input data-testid="login-username" value={this.state.username} onChange={(e) => this.setState({ username: e.target.value })} />
        </label>
        <label>
          Password
          <br />
          <input
            data-testid="login-password"
            type="password"
            value={this.state.password}
            onChange={(e) => this.setState({ password: e.target.value })}
          />
        </label>
        <button type="submit" data-testid="login-submit">
          Sign in
        </button>
        <small>Demo users: admin, viewer, alice, bob (password: &lt;user&gt;-pass)</small>
        {this.state.error ? <div className="hp-error" role="alert">{this.state.error}</div> : null}
      </form>
    );
  }
}

class Boundary extends React.Component<{ children?: React.ReactNode }, { error: string | null }> {
  state = { error: null as string | null };
  static getDerivedStateFromError(e: unknown) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  render() {
    return this.state.error ? <div className="hp-error" data-testid="extension-crashed">Extension crashed: {this.state.error}</div> : (this.props.children ?? null);
  }
}

interface Node {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
  health?: { status?: string };
}

function nodeKey(n: Node): string {
  return `${n.group}/${n.kind}/${n.namespace}/${n.name}`;
}

interface AppViewState {
  app: Obj | null;
  tree: Obj | null;
  selected: Node | null;
  live: Obj | null;
  tab: string;
  error: string;
}

function nodesOf(app: Obj | null, tree: Obj | null): Node[] {
  if (!app) return [];
  const self: Node = {
    group: 'argoproj.io',
    version: 'v1alpha1',
    kind: 'Application',
    namespace: app.metadata?.namespace ?? '',
    name: app.metadata?.name ?? '',
    uid: app.metadata?.uid,
    health: app.status?.health,
  };
  const nodes = Array.isArray(tree?.nodes) ? (tree!.nodes as Node[]) : [];
  return [self, ...nodes.map((n) => ({ ...n, group: n.group ?? '' }))];
}

class AppView extends React.Component<{ name: string; appNamespace: string }, AppViewState> {
  state: AppViewState = { app: null, tree: null, selected: null, live: null, tab: query.get('tab') ?? 'Summary', error: '' };

  async componentDidMount() {
    const ns = this.props.appNamespace ? `?appNamespace=${encodeURIComponent(this.props.appNamespace)}` : '';
    try {
      // as Argo CD's UI (applications-service parseAppFields): the API leaves kind and apiVersion out
      const app = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        ...(await api<Obj>(`/api/v1/applications/${encodeURIComponent(this.props.name)}${ns}`)),
      };
      const tree = await api<Obj>(`/api/v1/applications/${encodeURIComponent(this.props.name)}/resource-tree${ns}`);
      this.setState({ app, tree });
      const kind = query.get('kind');
      const name = query.get('name');
      if (kind && name) {
        // From the fetched objects, not this.state: React 18+ batches the setState above.
        const node = nodesOf(app, tree).find((n) => n.kind === kind && n.name === name);
        if (node) this.select(node, query.get('tab') ?? 'Summary', app);
      }
    } catch (err) {
      this.setState({ error: err instanceof Error ? err.message : String(err) });
    }
  }

  private nodes(): Node[] {
    return nodesOf(this.state.app, this.state.tree);
  }

  private async select(node: Node, tab = 'Summary', app: Obj | null = this.state.app) {
    this.setState({ selected: node, live: null, tab, error: '' });
    setQuery({ kind: node.kind, name: node.name, tab });
    if (node.kind === 'Application' && node.group === 'argoproj.io') {
      this.setState({ live: app });
      return;
    }
    const q = new URLSearchParams({
      namespace: node.namespace,
      resourceName: node.name,
      version: node.version,
      group: node.group,
      kind: node.kind,
    });
    if (this.props.appNamespace) q.set('appNamespace', this.props.appNamespace);
    try {
      const body = await api<{ manifest: string }>(`/api/v1/applications/${encodeURIComponent(this.props.name)}/resource?${q}`);
      this.setState((st) => (st.selected === node ? { live: JSON.parse(body.manifest) } : null));
    } catch (err) {
      this.setState({ error: err instanceof Error ? err.message : String(err) });
    }
  }

  private renderDetails() {
    const { selected, live, tab, app, tree } = this.state;
    if (!selected) return <div className="hp-card hp-details">Choose a resource.</div>;
    const exts = extensionsFor(selected.group, selected.kind);
    const tabs = ['Summary', 'Manifest', ...exts.map((e) => e.title)];
    const ext = exts.find((e) => e.title === tab);
    let body: React.ReactNode;
    if (!live) body = <div>Loading…</div>;
    else if (tab === 'Manifest') body = <pre className="hp-pre" data-testid="manifest">{JSON.stringify(live, null, 2)}</pre>;
    else if (ext)
      body = (
        <Boundary key={`${nodeKey(selected)}|${ext.title}`}>
          {React.createElement(ext.component, { resource: live, application: app, tree })}
        </Boundary>
      );
    else
      body = (
        <dl data-testid="summary">
          <dt>Kind</dt>
          <dd>{selected.kind}</dd>
          <dt>Name</dt>
          <dd>{selected.name}</dd>
          <dt>Namespace</dt>
          <dd>{selected.namespace || '—'}</dd>
          <dt>Health</dt>
          <dd>{selected.health?.status ?? '—'}</dd>
        </dl>
      );
    return (
      <div className="hp-card hp-details" data-testid="resource-details">
        <h3>
          {selected.kind} {selected.name}
        </h3>
        <div className="hp-tabs" role="tablist">
          {tabs.map((t) => (
            <button
              key={t}
              role="tab"
              aria-selected={t === tab}
              data-testid={`tab-${t}`}
              onClick={() => {
                this.setState({ tab: t });
                setQuery({ tab: t });
              }}
            >
              {t === ext?.title && ext.icon ? <i className={ext.icon} aria-hidden="true" /> : null} {t}
            </button>
          ))}
        </div>
        <div role="tabpanel" data-testid="tab-panel">
          {body}
        </div>
      </div>
    );
  }

  render() {
    const { app, error, selected } = this.state;
    if (!app) return <div className="hp-card">{error ? <span className="hp-error">{error}</span> : 'Loading…'}</div>;
    return (
      <div className="hp-main">
        <div className="hp-card">
          <b>
            {app.metadata?.name} <span className="hp-health">{app.status?.health?.status} · {app.status?.sync?.status}</span>
          </b>
          <ul className="hp-list" aria-label="Resources" data-testid="resource-list">
            {this.nodes().map((n) => (
              <li key={nodeKey(n)}>
                <button
                  aria-current={selected !== null && nodeKey(selected) === nodeKey(n)}
                  data-testid={`resource-${n.kind}-${n.name}`}
                  onClick={() => this.select(n)}
                >
                  {n.kind} {n.name} <span className="hp-health">{n.health?.status ?? ''}</span>
                </button>
              </li>
            ))}
          </ul>
          {error ? <div className="hp-error" role="alert">{error}</div> : null}
        </div>
        {this.renderDetails()}
      </div>
    );
  }
}

interface HostState {
  user: Obj | null;
  apps: Obj[];
  app: { name: string; namespace: string } | null;
  error: string;
  extensions: number;
}

class Host extends React.Component<{}, HostState> {
  state: HostState = {
    user: null,
    apps: [],
    app: query.get('app') ? { name: query.get('app')!, namespace: query.get('appNamespace') ?? '' } : null,
    error: '',
    extensions: registry.length,
  };

  componentDidMount() {
    listeners.push(() => this.setState({ extensions: registry.length }));
    this.refresh();
  }

  private refresh = async () => {
    try {
      const user = await api<Obj>('/api/v1/session/userinfo');
      this.setState({ user });
      if (user.loggedIn) {
        const list = await api<{ items: Obj[] | null }>('/api/v1/applications');
        this.setState({ apps: list.items ?? [] });
      }
    } catch (err) {
      this.setState({ error: err instanceof Error ? err.message : String(err) });
    }
  };

  private logout = async () => {
    try {
      // expires the cookies; Argo CD refuses a write without exactly this content type (415), as its UI sends
      await fetch('/api/v1/session', { method: 'DELETE', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' } });
    } catch {
      // offline: the page still forgets the user
    }
    this.setState({ user: { loggedIn: false }, apps: [], app: null });
    setQuery({ app: null, kind: null, name: null, tab: null });
  };

  render() {
    const { user, apps, app } = this.state;
    const hp = (window as any).HOSTPAGE ?? {};
    const theme = query.get('theme') === 'dark' ? 'theme-dark' : 'theme-light';
    return (
      <div className={theme} style={{ minHeight: '100vh' }}>
        <div className="hp-top">
          <b>Argo CD</b>
          <span className="hp-grow">devstack host page</span>
          <span data-testid="react-version">React {String((React as any).version)}</span>
          <span>route: {hp.route}</span>
          {user?.loggedIn ? (
            <>
              <span data-testid="current-user">{user.username}</span>
              <a href="#" onClick={(e) => { e.preventDefault(); this.logout(); }}>Log out</a>
            </>
          ) : null}
        </div>
        {this.state.error ? <div className="hp-error">{this.state.error}</div> : null}
        {!user ? (
          <div className="hp-main">Loading…</div>
        ) : !user.loggedIn ? (
          <Login onLogin={this.refresh} />
        ) : app ? (
          <div>
            <div style={{ padding: '8px 16px 0' }}>
              <a href="#" onClick={(e) => { e.preventDefault(); this.setState({ app: null }); setQuery({ app: null, kind: null, name: null, tab: null }); }}>
                ← Applications
              </a>
            </div>
            <AppView key={`${app.namespace}/${app.name}`} name={app.name} appNamespace={app.namespace} />
          </div>
        ) : (
          <div className="hp-main">
            <div className="hp-card">
              <b>Applications</b>
              <ul className="hp-list" data-testid="app-list">
                {apps.map((a) => (
                  <li key={`${a.metadata?.namespace}/${a.metadata?.name}`}>
                    <button
                      data-testid={`app-${a.metadata?.name}`}
                      onClick={() => {
                        const next = { name: a.metadata?.name, namespace: a.metadata?.namespace ?? '' };
                        this.setState({ app: next });
                        setQuery({ app: next.name, appNamespace: next.namespace || null });
                      }}
                    >
                      {a.metadata?.name}{' '}
                      <span className="hp-health">
                        {a.spec?.project} · {a.status?.health?.status} · {a.status?.sync?.status}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          </div>
        )}
      </div>
    );
  }
}

function mount(): void {
  const el = document.getElementById('root');
  if (!el) return;
  const dom = ReactDOM as any;
  if (typeof dom.createRoot === 'function') dom.createRoot(el).render(<Host />);
  else dom.render(<Host />, el);
}

if (document.readyState === 'complete') mount();
else window.addEventListener('load', mount);
