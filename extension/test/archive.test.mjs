// Plain JavaScript (the build scripts it tests are plain ESM; the extension's tsconfig has no Node types).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { archiveEntries, BUNDLE_ENTRY, packArchive, stageResources, VARS_DIR_ENTRY } from '../scripts/archive.mjs';
import { installLikeInstaller, varsScript } from '../scripts/install-like-installer.mjs';

let work;
let tarPath;

beforeEach(async () => {
  work = mkdtempSync(join(tmpdir(), 'aa-archive-'));
  const dist = join(work, 'dist');
  const { bundlePath } = stageResources(dist);
  writeFileSync(bundlePath, 'window.LOADED = true;');
  tarPath = join(work, 'extension-assistant.tar');
  await packArchive(dist, tarPath);
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

/** The files Argo CD concatenates into /extensions.js: `extension*.js` files, lexical walk, no directories. */
function extensionsJsOrder(root) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/^extension(.*)\.js$/.test(e.name)) out.push(path.slice(root.length + 1));
    }
  };
  walk(root);
  return out;
}

describe('installer archive', () => {
  it('holds the bundle at resources/extension-assistant/ and the empty extension-assistant.js directory', async () => {
    const entries = await archiveEntries(tarPath);
    expect(entries).toContain(BUNDLE_ENTRY);
    expect(BUNDLE_ENTRY).toBe('resources/extension-assistant/extension-assistant.js');
    expect(entries).toContain(VARS_DIR_ENTRY);
    expect(VARS_DIR_ENTRY).toBe('resources/extension-assistant.js/');
  });

  it('gets the EXTENSION_JS_VARS file where install.sh puts it, loaded after the bundle', async () => {
    const target = join(work, 'tmp-extensions');
    const written = await installLikeInstaller({ archive: tarPath, target, name: 'assistant', vars: '{"basePath": "/assistant"}' });
    expect(written).toBe(join(target, 'resources', 'extension-assistant.js', 'extension-0-ASSISTANT_vars.js'));
    expect(readFileSync(written, 'utf8').trim()).toBe(
      '((window) => { const vars = { "BASEPATH": "/assistant" }; window.ASSISTANT_VARS = vars; })(window);',
    );
    expect(extensionsJsOrder(target)).toEqual([
      'resources/extension-assistant/extension-assistant.js',
      'resources/extension-assistant.js/extension-0-ASSISTANT_vars.js',
    ]);
    const window = {};
    runInNewContext(readFileSync(written, 'utf8'), { window });
    expect(window.ASSISTANT_VARS).toEqual({ BASEPATH: '/assistant' });
  });

  it('writes no vars file when no extension*-NAME*.js directory exists, as install.sh only warns', async () => {
    const target = join(work, 'tmp-extensions');
    expect(await installLikeInstaller({ archive: tarPath, target, name: 'other', vars: '{"a": "b"}' })).toBeNull();
    expect(existsSync(join(target, 'resources', 'extension-assistant', 'extension-assistant.js'))).toBe(true);
    expect(await installLikeInstaller({ archive: tarPath, target, name: 'assistant' })).toBeNull();
  });

  it('upper-cases keys and the global name as jq and tr do', () => {
    expect(varsScript('my-ext', { basePath: '/x', other_Key: 'v' })).toBe(
      '((window) => { const vars = { "BASEPATH": "/x", "OTHER_KEY": "v" }; window.MY_EXT_VARS = vars; })(window);\n',
    );
    expect(() => varsScript('assistant', { basePath: 1 })).toThrow(/plain string/);
  });
});
