/**
 * The README's embedding example (the ```js block between the embed markers)
 * runs as written, importing the built package by its own name, and prints
 * what the README says it prints.
 */
import t from 'tap';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { lmstream, root } from './helpers/cli.js';

export function embeddedExample(readme: string, marker = 'embed'): string {
  const m = new RegExp(`<!-- ${marker}:start -->([\\s\\S]*?)<!-- ${marker}:end -->`).exec(readme);
  if (!m) throw new Error(`README.md has no ${marker} markers`);
  const code = /```js\n([\s\S]*?)```/.exec(m[1]);
  if (!code) throw new Error('no ```js block between the embed markers');
  return code[1];
}

t.test('README embedding example runs and prints what it says', async (t) => {
  const code = embeddedExample(readFileSync(path.join(root, 'README.md'), 'utf8'));
  t.match(code, /from 'lmstream\//, 'imports the package by name');
  // the file must live inside the package for `lmstream/...` to resolve to itself
  const dir = t.testdir({});
  t.ok(path.resolve(dir).startsWith(path.resolve(root)), 'temp dir inside the repo');
  const file = path.join(dir, 'example.mjs');
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', cwd: root });
  t.equal(r.stderr, '');
  t.equal(r.status, 0);
  t.equal(r.stdout, '1 0 4 5 6 7 2\n1 3 6 2\n');
  // and the comment in the README shows that same output
  const printed = code.split('// prints:\n')[1].split('\n').filter((l) => l.startsWith('// ')).map((l) => l.slice(3));
  t.equal(printed.join('\n') + '\n', r.stdout);
});

t.test('README n-gram scoring example runs and prints what it says', async (t) => {
  const code = embeddedExample(readFileSync(path.join(root, 'README.md'), 'utf8'), 'embed-ngram');
  t.match(code, /from 'lmstream'/, 'imports the package by name');
  const dir = t.testdir({});
  const built = lmstream(['ngram', 'build', '--order', '3', '--quiet', '--binary', path.join(dir, 'tiny.lmb'), 'fixtures/brown/tiny/train.txt']);
  t.equal(built.code, 0, built.stderr);
  const file = path.join(dir, 'example.mjs');
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', cwd: dir });
  t.equal(r.stderr, '');
  t.equal(r.status, 0);
  const printed = code.split('// prints:\n')[1].split('\n').filter((l) => l.startsWith('// ')).map((l) => l.slice(3));
  t.equal(r.stdout, printed.join('\n') + '\n');
  t.equal(printed.length, 8);
});

t.test('README load() example runs and prints what it says', async (t) => {
  const code = embeddedExample(readFileSync(path.join(root, 'README.md'), 'utf8'), 'embed-load');
  t.match(code, /from 'lmstream'/, 'imports the package by name');
  const dir = t.testdir({});
  const built = lmstream(['ngram', 'build', '--order', '3', '--quiet', '--arpa', path.join(dir, 'tiny.arpa'), 'fixtures/train/tiny.txt']);
  t.equal(built.code, 0, built.stderr);
  cpSync(path.join(root, 'fixtures/train/v1/mlp'), path.join(dir, 'mlp'), { recursive: true });
  const file = path.join(dir, 'example.mjs');
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', cwd: dir });
  t.equal(r.status, 0, r.stderr);
  const printed = code.split('// prints:\n')[1].split('\n').filter((l) => l.startsWith('// ')).map((l) => l.slice(3));
  t.equal(r.stdout, printed.join('\n') + '\n');
  t.equal(printed.length, 8);
});
