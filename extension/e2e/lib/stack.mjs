// The whole dev stack (simulator, MCP server, scripted model, llama-stack, relay) for one React version,
// started with `python -m devstack up --json` and always stopped: SIGTERM to the launcher (it stops its
// children), then SIGKILL to every process group it reported, so nothing outlives the suite.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const STARTUP_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;

/** Every stack still running, so a crash of the test process itself still stops them (see below). */
const running = new Set();

process.on('exit', () => {
  for (const stack of running) stack.killAll('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  // interrupted: stop the stacks the normal way (the launcher cleans up after itself), then exit
  process.once(signal, () => {
    Promise.allSettled([...running].map((stack) => stack.stop())).finally(() => process.exit(130));
  });
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

export class DevStack {
  /**
   * @param {string} repo the repository root (holds .venv)
   * @param {string[]} extraArgs more `devstack up` options (e.g. `--identity-modes cookie,bearer,pasted`)
   */
  constructor(repo, react, extraArgs = []) {
    this.repo = repo;
    this.react = react;
    this.extraArgs = extraArgs;
    this.child = null;
    this.info = null; // the launcher's JSON line
    this.stderr = '';
  }

  get urls() {
    return this.info.urls;
  }

  /** Starts the stack and resolves with the launcher's JSON summary once every part is ready. */
  async start() {
    const python = join(this.repo, '.venv', 'bin', 'python');
    const child = spawn(python, ['-m', 'devstack', 'up', '--json', '--react', String(this.react), ...this.extraArgs], {
      cwd: this.repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, killed as a whole
    });
    this.child = child;
    running.add(this);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk).slice(-4000); // bounded: only the end matters
    });
    child.stdout.setEncoding('utf8');
    this.info = await new Promise((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => fail(new Error(`stack not ready within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
      const fail = (err) => {
        clearTimeout(timer);
        reject(new Error(`${err.message}\n--- launcher stderr (end) ---\n${this.stderr}`));
      };
      child.once('error', fail);
      child.once('exit', (code, signal) => fail(new Error(`launcher exited (${code ?? signal}) before it was ready`)));
      child.stdout.on('data', (chunk) => {
        buffered += chunk;
        const newline = buffered.indexOf('\n');
        if (newline < 0) return;
        clearTimeout(timer);
        try {
          resolve(JSON.parse(buffered.slice(0, newline)));
        } catch (err) {
          fail(new Error(`launcher printed something other than JSON: ${buffered.slice(0, 200)}`));
        }
      });
    });
    child.stdout.resume(); // keep draining so the launcher never blocks on a full pipe
    return this.info;
  }

  killAll(signal) {
    if (this.child) killGroup(this.child.pid, signal);
    for (const pid of Object.values(this.info?.pids ?? {})) killGroup(pid, signal);
  }

  /** Stops everything; safe to call twice or after a failed start. */
  async stop() {
    const child = this.child;
    if (!child) return;
    if (!exited(child)) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      killGroup(child.pid, 'SIGTERM');
      let timer;
      await Promise.race([gone, new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)))]);
      clearTimeout(timer);
    }
    // The launcher SIGKILLs its children's groups itself; this covers a launcher that was killed or hung.
    this.killAll('SIGKILL');
    running.delete(this);
    this.child = null;
  }

  /** The simulator's request log (every Argo CD API request with the authenticated user), newest last. */
  async argocdRequests() {
    const res = await fetch(`${this.urls.argocd}/_devstack/requests`);
    if (!res.ok) throw new Error(`request log: HTTP ${res.status}`);
    return res.json();
  }

  async clearArgocdRequests() {
    const res = await fetch(`${this.urls.argocd}/_devstack/requests`, { method: 'DELETE' });
    if (!res.ok) throw new Error(`clearing the request log: HTTP ${res.status}`);
  }

  /** Forgets every write (sync, action) the simulator took, so the next scenario sees the demo world. */
  async resetArgocdState() {
    const res = await fetch(`${this.urls.argocd}/_devstack/state`, { method: 'DELETE' });
    if (!res.ok) throw new Error(`resetting the simulator: HTTP ${res.status}`);
  }

  /** A demo user's Argo CD token, as `POST /api/v1/session` hands it out. */
  async tokenFor(username, password) {
    const res = await fetch(`${this.urls.argocd}/api/v1/session`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (!res.ok) throw new Error(`login as ${username}: HTTP ${res.status}`);
    return (await res.json()).token;
  }
}
