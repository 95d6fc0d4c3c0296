// package.json hygiene: every package imported by the shipped code (src/,
// pipelines/) is a dependency (or the optional peer tfjs-node), every package
// imported by the tests is declared too, and the `files` list holds what
// `main`, `bin` and the install script need.
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name === 'build') continue;
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (/\.(ts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** package names imported (static, dynamic, require.resolve) by a file */
function importedPackages(src: string): string[] {
  const names = new Set<string>();
  // comments name packages in prose (`import 'lmstream'` in a doc comment): not imports
  // (only comments that open a line: a glob string such as 'dist/*' is code)
  const code = src.replace(/^\s*\/\*[\s\S]*?\*\//gm, '').replace(/^\s*\/\/.*$/gm, '');
  const re = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|require(?:\.resolve)?\s*\(\s*)['"]([^'"]+)['"]/g;
  for (const m of code.matchAll(re)) {
    const spec = m[1];
    if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) continue;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if (builtinModules.includes(name) || !/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

t.test('the import scanner sees static, dynamic and require imports', async (t) => {
  t.same(importedPackages(`import a from 'x/y.js';\nimport '@s/p/q';\nawait import('z');\nrequire.resolve('w/package.json');\nimport fs from 'node:fs';\nimport p from 'path';\nimport r from './r.js';\n/** import 'doc' */\n// import 'line'\nconst g = 'dist/*';\nimport h from 'h';\n/* a */`).sort(),
    ['@s/p', 'h', 'w', 'x', 'z']);
});

t.test('every package the shipped code imports is declared', async (t) => {
  const declared = new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]); // its own name: the package importing itself through its exports
  const missing: string[] = [];
  // .ts files compile into dist/ (shipped); a script is shipped when the files list names it (the install script), else a build tool
  const shippedScript = (f: string) => (pkg.files as string[]).includes(path.relative(root, f));
  // directories the files list excludes (`!dist/pipelines/bench/`: benchmarks are not published)
  const excluded = (pkg.files as string[]).filter((x) => x.startsWith('!') && x.endsWith('/')).map((x) => x.slice(1));
  const notShipped = (f: string) => excluded.some((d) => ('dist/' + path.relative(root, f)).startsWith(d));
  for (const f of [...tsFiles(path.join(root, 'src')), ...tsFiles(path.join(root, 'pipelines'))]) {
    if (f.endsWith('.mjs') && !shippedScript(f)) continue;
    if (notShipped(f)) continue;
    for (const name of importedPackages(readFileSync(f, 'utf8'))) {
      if (!declared.has(name)) missing.push(`${path.relative(root, f)}: ${name}`);
    }
  }
  t.same(missing, [], 'undeclared runtime imports');
  t.ok(pkg.peerDependenciesMeta?.['@tensorflow/tfjs-node']?.optional, 'tfjs-node is an optional peer (opt-in native backend)');
  t.notOk(pkg.dependencies['@tensorflow/tfjs'], 'the whole @tensorflow/tfjs is not a runtime dependency');
});

t.test('every package the tests import is declared', async (t) => {
  const declared = new Set([
    pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {}),
  ]);
  const missing: string[] = [];
  for (const f of tsFiles(path.join(root, 'test'))) {
    if (f === fileURLToPath(import.meta.url)) continue; // this file's examples
    for (const name of importedPackages(readFileSync(f, 'utf8'))) if (!declared.has(name)) missing.push(`${path.relative(root, f)}: ${name}`);
  }
  t.same(missing, [], 'undeclared test imports');
});

t.test('the files list ships main, bin, the install script and the license', async (t) => {
  const files: string[] = pkg.files;
  const shipped = (p: string) => {
    const rel = p.replace(/^\.\//, '');
    return files.some((f) => !f.startsWith('!') && (rel === f || rel.startsWith(f.endsWith('/') ? f : f + '/')));
  };
  for (const p of [pkg.main, pkg.types, ...Object.values(pkg.bin as Record<string, string>), 'src/native/build.mjs', 'src/native/binding.gyp', 'src/native/lmstream_native.c',
    // lmstream web: the browser module and the page
    pkg.exports['.'].browser, 'pipelines/web/index.html', 'pipelines/web/app.js']) {
    t.ok(shipped(p), `${p} is in files`);
  }
  t.match(pkg.scripts.install, /src\/native\/build\.mjs/);
  t.match(readFileSync(path.join(root, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) \d{4} lmstream contributors\n/);
  t.equal(pkg.license, 'MIT');
});
