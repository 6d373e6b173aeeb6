// Debian's Chromium, headless, with a fresh profile that is removed afterwards.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const profiles = new Set();
// an interrupted run (see stack.mjs) still leaves no profile behind
process.on('exit', () => profiles.forEach(removeProfile));

/** SIGKILL to every process started with `--user-data-dir=<dir>` (Playwright does not expose the pid). */
function killChromiumUsing(dir) {
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--user-data-dir=${dir}`)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}

function removeProfile(dir) {
  killChromiumUsing(dir); // a Chromium still shutting down (say, on the same Ctrl-C) would write it again
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // Chromium may still be writing into it while the process exits; it is a temp dir either way
  }
  profiles.delete(dir);
}

/** One browser with its own --user-data-dir (Playwright passes it as launchPersistentContext's argument). */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'aa-e2e-profile-'));
  profiles.add(profile);
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: CHROMIUM_ARGS,
    });
  } catch (err) {
    removeProfile(profile);
    throw err;
  }
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        removeProfile(profile);
      }
    },
  };
}
