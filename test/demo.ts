import t from 'tap';
import { spawnSync } from 'node:child_process';
import { execPath } from 'node:process';

const CLI = new URL('../dist/src/cli/lmstream.js', import.meta.url).pathname;
const run = (args: string[]) => spawnSync(execPath, [CLI, 'demo', ...args], { encoding: 'utf8' });

t.test('demo trains a tiny char LSTM on Brown and streams text to stdout, reproducibly', async (t) => {
  const args = ['--sentences', '150', '--steps', '3', '--hidden', '16', '--max-tokens', '40', '--seed', '7'];
  const a = run(args);
  t.equal(a.status, 0, a.stderr);
  t.ok(a.stdout.startsWith('The '), 'the prompt is echoed first');
  // prompt (4 chars) + at most 40 sampled characters, some of which may be line breaks
  t.ok(a.stdout.length > 4 && a.stdout.length <= 4 + 40 + 1, `length ${a.stdout.length}`);
  t.match(a.stderr, /writing 150 Brown sentences/);
  t.match(a.stderr, /tfjs backend wasm/);
  t.notMatch(a.stdout, /train-stream|epoch|backend/, 'logs stay off stdout');
  const b = run(args);
  t.equal(b.status, 0, b.stderr);
  t.equal(b.stdout, a.stdout, 'same seed, same text');
});

t.test('demo --model ngram trains a word 3-gram and samples words', async (t) => {
  const r = run(['--model', 'ngram', '--sentences', '300', '--max-tokens', '12', '--seed', '3']);
  t.equal(r.status, 0, r.stderr);
  const words = r.stdout.trim().split(/\s+/);
  t.equal(words[0], 'The');
  t.ok(words.length >= 2 && words.length <= 13, `words: ${words.length}`);
});

t.test('demo --help and bad options', async (t) => {
  const h = run(['--help']);
  t.equal(h.status, 0);
  t.match(h.stdout, /usage: lmstream demo/);
  const bad = run(['--model', 'transformer']);
  t.equal(bad.status, 2);
  t.match(bad.stderr, /--model: 'transformer' is not one of lstm, ngram/);
  t.equal(bad.stdout, '');
});
