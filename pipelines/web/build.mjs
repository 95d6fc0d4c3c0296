#!/usr/bin/env node
/**
 * Build the browser module: src/browser/index.ts → dist/browser/lmstream.js,
 * one ES module (esbuild; part of `npm run build`).
 *
 * Node built-ins are never bundled: an import of `node:*` is left out when
 * tree shaking shows nothing of it is used (lmstream's shared modules keep
 * their stream wrappers beside the pure functions the browser uses), and the
 * build fails if any is still referenced, or if any other Node-only global
 * (`process`, `Buffer`, `require`) survives.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const outfile = path.join(root, 'dist/browser/lmstream.js');

const nodeBuiltins = {
  name: 'node-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, external: true, sideEffects: false }));
  },
};

const r = await build({
  entryPoints: [path.join(root, 'src/browser/index.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  legalComments: 'none',
  // the custom layers take the caller's tf: TensorFlow.js is never bundled
  external: ['@tensorflow/*'],
  plugins: [nodeBuiltins],
  metafile: true,
  logLevel: 'warning',
});
const out = r.metafile.outputs[path.relative(process.cwd(), outfile)] ?? Object.values(r.metafile.outputs).find((o) => o.entryPoint);
const bad = (out?.imports ?? []).filter((i) => i.path.startsWith('node:') || i.path.startsWith('@tensorflow/'));
if (bad.length) {
  console.error(`build-browser: ${path.relative(root, outfile)} still imports ${bad.map((i) => i.path).join(', ')}`);
  process.exit(1);
}
const { readFileSync } = await import('node:fs');
const text = readFileSync(outfile, 'utf8');
const globals = text.match(/\b(process\.(env|stdout|stderr|argv)|Buffer\.|require\()/g);
if (globals) {
  console.error(`build-browser: ${path.relative(root, outfile)} uses Node globals: ${[...new Set(globals)].join(', ')}`);
  process.exit(1);
}
console.error(`build-browser: ${path.relative(root, outfile)} (${(text.length / 1024).toFixed(0)} KiB)`);
