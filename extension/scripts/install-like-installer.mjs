// Installs the extension archive into a directory the way argocd-extension-installer's install.sh does
// into /tmp/extensions, so the dev stack serves /extensions.js from exactly what a real Argo CD would:
//   1. extract the archive, `cp -Rf resources/* <target>/resources/`;
//   2. when EXTENSION_JS_VARS and EXTENSION_NAME are set: the first DIRECTORY found by
//      `find <target>/resources -type d -name "extension*-$EXTENSION_NAME*.js"` gets
//      `extension-0-<NAME upper-cased, '-'→'_'>_vars.js` holding
//      `((window) => { const vars = { "KEY": "value" }; window.<NAME>_VARS = vars; })(window);`
//      (every key upper-cased as jq's ascii_upcase does; values are strings). No such directory: no file.
//
// CLI: node scripts/install-like-installer.mjs --archive TAR --target DIR --name NAME [--vars JSON]
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tar from 'tar';

/** `find -name` glob (only `*` used here) to a RegExp over the base name. */
function globRegExp(glob) {
  return new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Every directory under `root` (root included) whose name matches `pattern`, in a stable (sorted) walk. */
function findDirs(root, pattern) {
  const found = [];
  const walk = (dir, name) => {
    if (pattern.test(name)) found.push(dir);
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.isDirectory()) walk(join(dir, entry.name), entry.name);
    }
  };
  walk(root, root.split('/').pop());
  return found;
}

/** install.sh's name for the vars file and the global: `assistant` → `ASSISTANT`. */
export function sanitizedName(name) {
  return name.replace(/-/g, '_').replace(/[a-z]/g, (c) => c.toUpperCase());
}

/** The vars script install.sh writes (jq: `"\"" + (.key | ascii_upcase) + "\": \"" + .value + "\""`). */
export function varsScript(name, vars) {
  const entries = Object.entries(vars).map(([key, value]) => {
    // jq fails on a non-string value, and install.sh inserts values unescaped: refuse what would break.
    if (typeof value !== 'string' || /["\\\n]/.test(value)) throw new Error(`EXTENSION_JS_VARS.${key}: a plain string is required`);
    return `"${key.replace(/[a-z]/g, (c) => c.toUpperCase())}": "${value}"`;
  });
  const sanitized = sanitizedName(name);
  return `((window) => { const vars = { ${entries.join(', ')} }; window.${sanitized}_VARS = vars; })(window);\n`;
}

/**
 * Extracts `archive` into `target` as install.sh does; returns the vars file written, or null when no
 * vars were given or no `extension*-<name>*.js` directory exists (install.sh then only logs a warning).
 */
export async function installLikeInstaller({ archive, target, name, vars = null }) {
  const download = mkdtempSync(join(tmpdir(), 'extension-'));
  try {
    await tar.extract({ file: archive, cwd: download });
    mkdirSync(join(target, 'resources'), { recursive: true });
    for (const entry of readdirSync(join(download, 'resources'))) {
      cpSync(join(download, 'resources', entry), join(target, 'resources', entry), { recursive: true, force: true });
    }
  } finally {
    rmSync(download, { recursive: true, force: true });
  }
  if (!vars || !name) return null;
  const [dir] = findDirs(join(target, 'resources'), globRegExp(`extension*-${name}*.js`));
  if (!dir) {
    console.warn(`install-like-installer: no extension*-${name}*.js directory, vars not exported`);
    return null;
  }
  const path = join(dir, `extension-0-${sanitizedName(name)}_vars.js`);
  writeFileSync(path, varsScript(name, typeof vars === 'string' ? JSON.parse(vars) : vars));
  return path;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = {};
  for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  if (!args.archive || !args.target) {
    console.error('usage: install-like-installer.mjs --archive TAR --target DIR [--name NAME] [--vars JSON]');
    process.exit(2);
  }
  const written = await installLikeInstaller({ archive: args.archive, target: args.target, name: args.name, vars: args.vars ?? null });
  console.log(written ? `vars: ${written}` : 'no vars file written');
}
