// The installer archive's layout and packing, shared by the build and its tests.
//
// argocd-extension-installer copies the archive's `resources/*` into /tmp/extensions/resources/, and Argo CD
// serves /extensions.js from every file under /tmp/extensions named `extension*.js` (lexical walk,
// directories skipped). The archive therefore holds:
//   resources/extension-assistant/extension-assistant.js   the bundle (the path the issue names);
//   resources/extension-assistant.js/                      an EMPTY DIRECTORY, on purpose: install.sh writes
//     the EXTENSION_JS_VARS file only into a directory found by
//     `find … -type d -name "extension*-$EXTENSION_NAME*.js"`; without one the vars are silently dropped.
//     Its file, extension-0-ASSISTANT_vars.js, sorts after the bundle, so the bundle reads
//     window.ASSISTANT_VARS lazily (at render / first request), never at load.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import * as tar from 'tar';

export const EXTENSION_NAME = 'assistant';
export const BUNDLE_ENTRY = 'resources/extension-assistant/extension-assistant.js';
export const VARS_DIR_ENTRY = 'resources/extension-assistant.js/';

/** Where the bundle goes under `dist`; also creates the (empty) directory for the installer's vars file. */
export function stageResources(dist) {
  const bundleDir = join(dist, 'resources', 'extension-assistant');
  mkdirSync(bundleDir, { recursive: true });
  mkdirSync(join(dist, VARS_DIR_ENTRY), { recursive: true });
  return { bundleDir, bundlePath: join(dist, BUNDLE_ENTRY) };
}

/** A deterministic tar (fixed mtime, portable) of `dist/resources`, directory entries included. */
export async function packArchive(dist, tarPath) {
  await tar.create({ cwd: dist, file: tarPath, portable: true, mtime: new Date('2020-01-01T00:00:00Z') }, ['resources']);
}

/** Every entry path in a tar (directories end with `/`). */
export async function archiveEntries(tarPath) {
  const entries = [];
  await tar.list({ file: tarPath, onReadEntry: (entry) => entries.push(entry.path) });
  return entries;
}
