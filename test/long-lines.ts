import t from 'tap';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { lmstream, root, cliPath } from './helpers/cli.js';

// One guard, the same flags, on every command that reads a corpus: a 20 MB
// line fails with one line naming the file, the line and both flags, or is
// skipped with a warning under --skip-long-lines.
t.test('a 20 MB line on every corpus-reading command', async (t) => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-long-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  const f = (n: string) => path.join(dir, n);
  const corpus = f('c.txt');
  const small = 'the cat sat\na dog ran\nthe dog sat\n'.repeat(20);
  await fsp.writeFile(corpus, 'the cat sat\n' + 'x'.repeat(20 * 1024 * 1024) + '\n' + small);
  const arpa = f('m.arpa');
  t.equal(lmstream(['ngram', 'build', '--order', '2', '--quiet', '--arpa', arpa], small).code, 0);
  const ck = f('ck');
  const tr = lmstream(['train', '--model', 'mlp', '--order', '2', '--embed', '4', '--hidden', '4', '--epochs', '1', '--out', ck, path.join(root, 'fixtures/train/tiny.txt')]);
  t.equal(tr.code, 0, tr.stderr);

  const commands: [string, string[]][] = [
    ['tokenize', ['tokenize']],
    ['vocab', ['vocab']],
    ['ngram count', ['ngram', 'count', '--order', '2']],
    ['ngram build', ['ngram', 'build', '--order', '2', '--quiet']],
    ['ngram ppl', ['ngram', 'ppl', '--model', arpa]],
    ['train --model ngram', ['train', '--model', 'ngram', '--order', '2', '--out', f('t.arpa')]],
    ['train --model mlp', ['train', '--model', 'mlp', '--order', '2', '--embed', '4', '--hidden', '4', '--epochs', '1', '--out', f('t-mlp')]],
    ['eval (checkpoint)', ['eval', '--model', ck]],
    ['eval (ARPA)', ['eval', '--model', arpa]],
  ];
  const wanted = `${corpus}: line 2 is longer than 16777216 bytes (maxLineLength); raise the limit with --max-line-length or skip such lines with --skip-long-lines`;
  for (const [name, args] of commands) {
    const r = lmstream([...args, corpus]);
    t.equal(r.code, 1, `${name}: exit 1`);
    t.equal(r.stderr.trim().split('\n').pop(), `lmstream: ${wanted}`, `${name}: one line naming the file, the line and the flags`);
    // tokenize streams: the lines before the long one are out already
    t.equal(r.stdout, name === 'tokenize' ? 'the cat sat\n' : '', `${name}: no output past the long line`);
    const s = lmstream([...args, '--skip-long-lines', corpus]);
    t.equal(s.code, 0, `${name} --skip-long-lines: ${s.stderr.slice(-300)}`);
    t.match(s.stderr, `${corpus}: line 2 is longer than 16777216 bytes (maxLineLength); skipped`, `${name}: skipped with a warning`);
    const big = spawnSync(process.execPath, [cliPath, ...args, '--max-line-length', String(21 * 1024 * 1024), corpus], { encoding: 'utf8', maxBuffer: 1 << 27 });
    t.equal(big.status, 0, `${name} --max-line-length 21M reads it: ${big.stderr.slice(-300)}`);
  }
});
