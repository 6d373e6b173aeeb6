// Builds the extension bundle (one IIFE, React from window globals), its installer tarball with a
// sha256sum file, the tarball installed as argocd-extension-installer would (dist/installed-proxy and
// dist/installed-direct, one per EXTENSION_JS_VARS the deploy manifests set), and the demo host page
// (devstack/hostpage) with React 16 and 19 vendored.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

import { archiveEntries, BUNDLE_ENTRY, EXTENSION_NAME, packArchive, stageResources, VARS_DIR_ENTRY } from './archive.mjs';
import { installLikeInstaller } from './install-like-installer.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const hostSrc = resolve(root, '..', 'devstack', 'hostpage');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const GLOBALS = { react: 'React', 'react-dom': 'ReactDOM', 'react/jsx-runtime': 'ReactJSXRuntime' };

/** Maps react imports to the globals Argo CD provides, so React is never bundled. */
const reactGlobals = {
  name: 'react-globals',
  setup(build) {
    build.onResolve({ filter: /^(react|react-dom|react\/jsx-runtime)$/ }, (args) => ({ path: args.path, namespace: 'global' }));
    build.onLoad({ filter: /.*/, namespace: 'global' }, (args) => ({
      contents: `module.exports = window[${JSON.stringify(GLOBALS[args.path])}];`,
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  format: 'iife',
  target: 'es2019',
  minify: true,
  legalComments: 'none',
  jsx: 'transform',
  jsxFactory: 'React.createElement',
  jsxFragment: 'React.Fragment',
  logLevel: 'warning',
};

rmSync(dist, { recursive: true, force: true });

// 1. The extension bundle. The try/catch around the IIFE keeps a missing window.React (or any bug at
//    load time) from stopping the extensions after this one on Argo CD before 3.5.
//    stageResources also creates the empty `resources/extension-assistant.js/` directory: install.sh writes
//    the EXTENSION_JS_VARS file only into an existing `extension*-<name>*.js` directory (see archive.mjs).
const { bundlePath } = stageResources(dist);
await esbuild.build({
  ...common,
  entryPoints: [join(root, 'src', 'main.ts')],
  outfile: bundlePath,
  plugins: [reactGlobals],
  banner: { js: `/* argocd-assistant extension ${version} */\ntry {` },
  footer: { js: `} catch (e) { console.error('[argocd-assistant] failed to load', e); }` },
});
const bundle = readFileSync(bundlePath);
if (/^\s*(import|export)\s/m.test(bundle.toString('utf8'))) throw new Error('bundle has top-level import/export');

// 2. The installer archive: a top-level resources/ folder, deterministic (fixed mtime, portable).
const tarName = `extension-assistant-${version}.tar`;
const tarPath = join(dist, tarName);
await packArchive(dist, tarPath);
const entries = await archiveEntries(tarPath);
for (const needed of [BUNDLE_ENTRY, VARS_DIR_ENTRY]) {
  if (!entries.includes(needed)) throw new Error(`archive lacks ${needed}: ${entries.join(', ')}`);
}
const digest = createHash('sha256').update(readFileSync(tarPath)).digest('hex');
writeFileSync(`${tarPath}.sha256`, `${digest}  ${tarName}\n`);

// 3. The archive installed the way the installer does it, once per route (the EXTENSION_JS_VARS of
//    deploy/argocd): the dev simulator serves /extensions.js from one of these (`?route=`).
for (const [route, basePath] of [['proxy', '/extensions/assistant'], ['direct', '/assistant']]) {
  const written = await installLikeInstaller({
    archive: tarPath,
    target: join(dist, `installed-${route}`),
    name: EXTENSION_NAME,
    vars: JSON.stringify({ basePath }),
  });
  if (!written) throw new Error(`the installer logic found no place for the ${route} vars file`);
}

// 4. The host page: index.html, its script, React 16 (UMD files) and React 19 (a vendor IIFE).
const host = join(dist, 'hostpage');
mkdirSync(join(host, 'vendor', 'react16'), { recursive: true });
mkdirSync(join(host, 'vendor', 'react19'), { recursive: true });
copyFileSync(join(hostSrc, 'index.html'), join(host, 'index.html'));
copyFileSync(join(root, 'node_modules', 'react16', 'umd', 'react.production.min.js'), join(host, 'vendor', 'react16', 'react.js'));
copyFileSync(
  join(root, 'node_modules', 'react-dom16', 'umd', 'react-dom.production.min.js'),
  join(host, 'vendor', 'react16', 'react-dom.js'),
);
await esbuild.build({
  ...common,
  stdin: {
    contents: [
      "import * as React from 'react';",
      "import * as ReactDOM from 'react-dom';",
      "import * as ReactDOMClient from 'react-dom/client';",
      "import * as ReactJSXRuntime from 'react/jsx-runtime';",
      'window.React = React;',
      'window.ReactDOM = Object.assign({}, ReactDOM, ReactDOMClient);',
      'window.ReactJSXRuntime = ReactJSXRuntime;',
    ].join('\n'),
    resolveDir: root,
    loader: 'js',
  },
  define: { 'process.env.NODE_ENV': '"production"' },
  outfile: join(host, 'vendor', 'react19', 'react.js'),
});
await esbuild.build({
  ...common,
  entryPoints: [join(hostSrc, 'src', 'main.tsx')],
  outfile: join(host, 'hostpage.js'),
  plugins: [reactGlobals],
  minify: false,
});

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`extension bundle: ${kb(bundle.length)} (${bundlePath.slice(root.length + 1)})`);
console.log(`archive: dist/${tarName} sha256 ${digest}`);
console.log(
  `host page: dist/hostpage (serve with --static-dir ${host} --extensions-dir ${join(dist, 'installed-proxy')} ` +
    `--route-extensions-dir direct=${join(dist, 'installed-direct')})`,
);
