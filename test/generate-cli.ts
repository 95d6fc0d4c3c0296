import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Xoshiro128 } from '../src/util/random.js';
import { drawIndex } from '../src/generate/sampling.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/src/cli/lmstream.js');
const arpa = path.join(root, 'fixtures/generate/bigram.arpa');

function run(args: string[], input = '') {
  const r = spawnSync(process.execPath, [cli, 'generate', ...args], { cwd: root, input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

// The model in fixtures/generate/bigram.arpa, written by hand from these
// probabilities (ids in the file's unigram order: <unk> <s> </s> the cat dog
// sat ran). P(w | v) = bigram when listed, else backoff(v) · P(w).
const TOK = ['<unk>', '<s>', '</s>', 'the', 'cat', 'dog', 'sat', 'ran'];
const UNI = [0.05, 0, 0.2, 0.25, 0.15, 0.15, 0.1, 0.1];
const BI: Record<string, Record<string, number>> = {
  '<s>': { the: 0.6, cat: 0.1 },
  the: { cat: 0.5, dog: 0.4 },
  cat: { sat: 0.5, ran: 0.3 },
  dog: { ran: 0.6, '</s>': 0.2 },
  sat: { '</s>': 0.7, the: 0.1 },
  ran: { '</s>': 0.8 },
  '<unk>': {},
};
function dist(prev: string): number[] {
  const listed = BI[prev];
  const left = 1 - Object.values(listed).reduce((a, b) => a + b, 0);
  const unseen = TOK.reduce((s, w, i) => s + (w in listed ? 0 : UNI[i]), 0);
  return TOK.map((w, i) => (w in listed ? listed[w] : (left / unseen) * UNI[i]));
}

t.test('the fixture distributions sum to 1', async (t) => {
  for (const v of Object.keys(BI)) t.ok(Math.abs(dist(v).reduce((a, b) => a + b, 0) - 1) < 1e-12, v);
});

/** Expected lines for a seed: one Xoshiro128 across samples, inverse-CDF draws, <s> masked. */
function expected(seed: number, count: number, prompt: string[] = [], maxTokens = 100, noUnk = false): string {
  const rng = new Xoshiro128(seed);
  let out = '';
  for (let c = 0; c < count; c++) {
    let prev = prompt.length ? prompt[prompt.length - 1] : '<s>';
    const words = [...prompt];
    for (let n = 0; n < maxTokens; n++) {
      const p = dist(prev);
      p[1] = 0;
      if (noUnk) p[0] = 0;
      const w = TOK[drawIndex(p, rng.random())];
      if (w === '</s>') break;
      words.push(w);
      prev = w;
    }
    out += words.join(' ') + '\n';
  }
  return out;
}

t.test('lmstream generate on an ARPA model: exact output for a seed', async (t) => {
  const r = run(['--model', arpa, '--seed', '42', '--count', '5']);
  t.equal(r.err, '');
  t.equal(r.code, 0);
  t.equal(r.out, expected(42, 5));
  t.equal(run(['--model', arpa, '--seed', '42', '--count', '5']).out, r.out, 'reproducible');
  t.not(run(['--model', arpa, '--seed', '43', '--count', '5']).out, r.out, 'another seed, other text');
  const p = run(['--model', arpa, '--seed', '7', '--count', '3', '--prompt', 'the dog', '--no-unk']);
  t.equal(p.out, expected(7, 3, ['the', 'dog'], 100, true));
  const same = (args: string[], want: string, what: string) => {
    const r = run(['--model', arpa, ...args]);
    t.same([r.code, r.out, r.err], [0, want, ''], what);
  };
  // cat → sat (.5) → </s> (.7)
  same(['--greedy', '--prompt', 'cat'], 'cat sat\n', 'greedy after a prompt');
  same(['--greedy', '--prompt', 'cat', '--no-echo'], 'sat\n', '--no-echo');
  // <s> → the (.6) → cat (.5) → sat
  same(['--greedy', '--stop', 'sat'], 'the cat\n', 'stop token not printed');
  same(['--greedy', '--max-tokens', '1'], 'the\n', '--max-tokens');
  same(['--temperature', '0', '--max-tokens', '2', '--count', '2'], 'the cat\nthe cat\n', 'temperature 0 is greedy');
});

t.test('bad options: one line, non-zero exit', async (t) => {
  const a = run(['--model', arpa, '--stop', 'zebra']);
  t.equal(a.code, 1);
  t.match(a.err, /--stop: 'zebra' is not in the model's vocabulary/);
  const b = run(['--model', arpa, '--temperature=-1']);
  t.equal(b.code, 2);
  t.equal(b.err, 'lmstream: --temperature: -1 is below the minimum 0\n');
  const k = run(['--model', arpa, '--top-k', '2.5']);
  t.equal(k.code, 2);
  t.match(k.err, /--top-k: '2.5' is not a whole number/);
  const c = run(['--model', path.join(root, 'fixtures/generate/none.arpa')]);
  t.equal(c.code, 1);
  t.match(c.err, /none\.arpa: no such file/);
  const h = run(['--help']);
  t.equal(h.code, 0);
  t.match(h.out, /usage: lmstream generate/);
});

t.test('generate | head: the reader going away ends it quietly', async (t) => {
  // an endless stream (stop at nothing, no </s>), cut by head
  for (const cmd of [
    `node "${cli}" generate --model "${arpa}" --seed 1 --count 100000 --max-tokens 50 | head -n 1`,
    `node "${cli}" generate --model "${arpa}" --seed 1 --count 100000 --max-tokens 50 | head -c 100`,
  ]) {
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${cmd}`], { cwd: root, encoding: 'utf8' });
    t.equal(r.stderr, '', `${cmd}: no error output`);
    t.equal(r.status, 0, `${cmd}: exit 0`);
    t.ok(r.stdout.length > 0 && r.stdout.length <= 100);
  }
});
