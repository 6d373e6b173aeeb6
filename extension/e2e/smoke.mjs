// End-to-end smoke test: the host page served by the Argo CD simulator, in Debian's Chromium, on
// React 16 and 19: log in, open a resource, the Assistant tab renders with its context chips and
// the guided log flow attaches real logs from the simulator. Needs `npm run build` first.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const ext = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repo = resolve(ext, '..');
const shots = join(repo, '.artifacts', 'e2e');
const python = join(repo, '.venv', 'bin', 'python');

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitReady(url, child, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`simulator exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready`);
}

let simulator;
let base;
const profiles = [];

/** A fresh browser per test with a fresh profile (Playwright takes the profile as launchPersistentContext's argument). */
async function launch() {
  const profile = mkdtempSync(join(tmpdir(), 'aa-e2e-'));
  profiles.push(profile);
  return chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
}

before(async () => {
  assert.ok(existsSync(join(ext, 'dist', 'hostpage', 'index.html')), 'run `npm run build` first');
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  simulator = spawn(
    python,
    ['-m', 'devstack.argocd', '--host', '127.0.0.1', '--port', String(port), '--static-dir', join(ext, 'dist', 'hostpage'),
      '--extensions-dir', join(ext, 'dist', 'resources', 'extension-assistant')],
    { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  );
  await waitReady(`${base}/healthz`, simulator);
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  if (simulator && simulator.exitCode === null) process.kill(-simulator.pid, 'SIGTERM');
  for (const profile of profiles) rmSync(profile, { recursive: true, force: true });
});

for (const react of ['16', '19']) {
  test(`the Assistant tab renders and attaches logs on React ${react}`, async () => {
    const context = await launch();
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
      await page.goto(`${base}/?react=${react}&app=checkout&kind=Deployment&name=checkout-api&tab=Assistant`);
      await page.getByTestId('login-password').fill('admin-pass');
      await page.getByTestId('login-submit').click();
      await page.getByTestId('assistant-root').waitFor({ timeout: 15000 });
      assert.match(await page.getByTestId('react-version').innerText(), new RegExp(`React ${react}\\.`));
      await page.getByTestId('chip-events').waitFor();
      await page.getByTestId('attach-logs').click();
      await page.getByTestId('logs-container').selectOption('api');
      await page.getByTestId('logs-attach').click();
      await page.getByTestId('chip-logs').waitFor();
      await page.getByTestId('chip-logs').locator('button').first().click();
      assert.match(await page.getByTestId('preview-logs').innerText(), /Traceback|Error/);
      await page.getByTestId('chat-input').fill('Why is checkout-api degraded?');
      await page.screenshot({ path: join(shots, `assistant-react${react}.png`), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

test('a user without logs permission gets a clear message, in the dark theme', async () => {
  const context = await launch();
  const page = context.pages()[0] ?? (await context.newPage());
  try {
    await page.goto(`${base}/?react=19&theme=dark&user=bob&app=billing&kind=Deployment&name=billing-api&tab=Assistant`);
    await page.getByTestId('login-password').fill('bob-pass');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('assistant-root').waitFor({ timeout: 15000 });
    await page.getByTestId('attach-logs').click();
    await page.getByTestId('logs-container').selectOption({ index: 1 });
    await page.getByTestId('logs-attach').click();
    await page.getByTestId('logs-error').waitFor();
    assert.equal(await page.getByTestId('logs-error').innerText(), "You don't have permission to read logs of this application (logs, get)");
    const background = await page.getByTestId('assistant-root').evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(background, 'rgb(30, 38, 46)');
    await page.screenshot({ path: join(shots, 'assistant-no-logs-dark.png'), fullPage: true });
  } finally {
    await context.close();
  }
});
