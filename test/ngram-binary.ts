import t from 'tap';
import { promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buildArpaFromCorpus } from '../src/ngram/build.js';
import { readArpa, readArpaHashed } from '../src/ngram/arpa-read.js';
import { ArpaModel } from '../src/ngram/arpa-model.js';
import { HashedModel } from '../src/ngram/hashed-model.js';
import { BINARY_MAGIC, deserializeBinary, serializeBinary } from '../src/ngram/binary.js';
import { loadNgramModel, writeBinaryModel } from '../src/ngram/load.js';
import { PplScorer } from '../src/ngram/ppl.js';
import { formatLog10 } from '../src/ngram/arpa-write.js';
import type { NgramModel } from '../src/ngram/api.js';
import { lmstream, root } from './helpers/cli.js';

const train = path.join(root, 'fixtures/brown/tiny/train.txt');
const test = path.join(root, 'fixtures/brown/tiny/test.txt');

async function tmpdir(t: Tap.Test): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-ngram-binary-'));
  t.teardown(() => fsp.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** every token of the test text: log10 and n-gram length, as the ARPA model gives them */
function scores(m: NgramModel, lines: string[], mode: 'sentence' | 'stream' = 'sentence'): string[] {
  const sc = new PplScorer(m, mode);
  const out: string[] = [];
  for (const l of lines) for (const s of sc.document(l.split(/\s+/).filter(Boolean))) out.push(`${s.token} ${s.log10} ${s.ngramLength}`);
  for (const s of sc.finish()) out.push(`${s.token} ${s.log10} ${s.ngramLength}`);
  return out;
}

/** random contexts and words, some unseen */
function probe(t: Tap.Test, a: NgramModel, b: NgramModel): void {
  let s = 7;
  const rnd = (n: number) => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s % n; };
  const V = a.vocab.size;
  let diffs = 0;
  for (let i = 0; i < 3000; i++) {
    const ctx = Array.from({ length: rnd(a.order + 2) }, () => rnd(V));
    const w = rnd(V + 2);
    const x = a.logProb(ctx, w);
    const y = b.logProb(ctx, w);
    if (x.log10 !== y.log10 || x.ngramLength !== y.ngramLength) diffs++;
  }
  t.equal(diffs, 0, 'random contexts: identical log10 and n-gram length');
}

t.test('binary model: scores equal the ARPA model bit for bit, orders 1–5', async (t) => {
  const dir = await tmpdir(t);
  const lines = readFileSync(test, 'utf8').split('\n').filter(Boolean);
  for (const order of [1, 2, 3, 5]) {
    const arpa = path.join(dir, `o${order}.arpa`);
    await buildArpaFromCorpus(Readable.from([readFileSync(train)]), { order, out: arpa });
    const ref = new ArpaModel(await readArpa(Readable.from([readFileSync(arpa)]), arpa));
    const fromArpa = new HashedModel(await readArpaHashed(Readable.from([readFileSync(arpa)]), arpa));
    t.equal(fromArpa.closed, true, 'a Kneser-Ney model is suffix-closed');
    await writeBinaryModel(path.join(dir, `o${order}.lmb`), fromArpa.data);
    const bin = await loadNgramModel(path.join(dir, `o${order}.lmb`));
    t.same(bin.vocab.tokens, ref.vocab.tokens, 'same vocabulary');
    const want = scores(ref, lines);
    t.equal(want.length, 821);
    t.same(scores(fromArpa, lines), want, `order ${order}: ARPA read into the hashed model`);
    t.same(scores(bin, lines), want, `order ${order}: binary file`);
    t.same(scores(bin, lines, 'stream'), scores(ref, lines, 'stream'), `order ${order}: stream mode`);
    probe(t, ref, bin);
    const ctx = [ref.vocab.bosId, ref.vocab.id('the')];
    const da = ref.nextDistribution(ctx);
    const db = bin.nextDistribution(ctx);
    let worst = 0;
    for (let w = 0; w < da.length; w++) worst = Math.max(worst, Math.abs(da[w] - db[w]));
    t.ok(worst < 1e-12, `order ${order}: next-word distribution (max diff ${worst})`);
  }
});

const ODD = `\\data\\
ngram 1=5
ngram 2=3
ngram 3=1

\\1-grams:
-99\t<s>\t-0.30103
-0.6989700043360187\t</s>
-0.52287875\ta\t-0.1
-0.5228787452803376\tb\t0.2
-1.5\t<unk>

\\2-grams:
-0.25\t<s> a\t-0.05
-0.4\ta b\t-1.25e-9
-0.30102999566398120\tb </s>

\\3-grams:
-0.1\ta b a
\\end\\
`;

t.test('an ARPA file without every suffix listed, and values that are not 8-decimal numbers', async (t) => {
  // "a b a" is listed but its suffix "b a" is not; several values have more than 8 decimals
  const ref = new ArpaModel(await readArpa(Readable.from([ODD])));
  const h = await readArpaHashed(Readable.from([ODD]));
  t.equal(h.closed, false);
  t.ok(h.exceptions.length >= 4, 'long decimals kept as float64');
  const bin = new HashedModel(deserializeBinary(concat(serializeBinary(h))));
  const V = ref.vocab.size;
  let diffs = 0;
  for (let a = 0; a < V; a++) for (let b = 0; b < V; b++) for (let w = 0; w < V + 1; w++) {
    for (const ctx of [[b], [a, b], [1, a, b]]) {
      const x = ref.logProb(ctx, w);
      const y = bin.logProb(ctx, w);
      if (x.log10 !== y.log10 || x.ngramLength !== y.ngramLength) diffs++;
    }
  }
  t.equal(diffs, 0);
  t.equal(bin.logProb([bin.vocab.id('a'), bin.vocab.id('b')], bin.vocab.id('a')).log10, -0.1);
  t.equal(bin.logProb([bin.vocab.id('b')], bin.vocab.id('a')).log10, 0.2 + -0.52287875);
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

t.test('bad binary files: one message naming the file and the problem', async (t) => {
  const h = await readArpaHashed(Readable.from([ODD]));
  const good = concat(serializeBinary(h));
  t.equal(good.length % 8, 0);
  t.same([...good.subarray(0, 8)], [...BINARY_MAGIC]);
  t.throws(() => deserializeBinary(good.subarray(0, good.length - 8), 'm.lmb'), /^m\.lmb: truncated \(\d+ bytes of \d+\)$/);
  t.throws(() => deserializeBinary(good.subarray(0, 20), 'm.lmb'), /^m\.lmb: truncated/);
  t.throws(() => deserializeBinary(new TextEncoder().encode(ODD), 'm.lmb'), { message: 'm.lmb: not an lmstream binary model (no magic number)' });
  const v1 = good.slice();
  v1[8] = 1;
  t.throws(() => deserializeBinary(v1, 'm.lmb'), /^m\.lmb: binary model version 1 is not supported \(this lmstream reads version 2/);
  const bom = good.slice();
  bom[12] = 1; bom[13] = 2; bom[14] = 3; bom[15] = 4;
  t.throws(() => deserializeBinary(bom, 'm.lmb'), { message: 'm.lmb: written on a machine of another byte order' });
  const extra = concat([good, new Uint8Array(8)]);
  t.throws(() => deserializeBinary(extra, 'm.lmb'), { message: 'm.lmb: 8 bytes of trailing garbage after the model' });
});

t.test('CLI: ngram binary and build --binary; ppl reads either format with the same output', async (t) => {
  const dir = await tmpdir(t);
  const arpa = path.join(dir, 'm.arpa');
  const lmb = path.join(dir, 'm.lmb');
  const built = path.join(dir, 'built.lmb');
  let r = lmstream(['ngram', 'build', '--order', '3', '--quiet', '--arpa', arpa, '--binary', built, train]);
  t.equal(r.code, 0, r.stderr);
  r = lmstream(['ngram', 'binary', '--quiet', arpa, lmb]);
  t.equal(r.code, 0, r.stderr);
  t.same(readFileSync(built), readFileSync(lmb), 'build --binary writes the file ngram binary writes');
  const alone = path.join(dir, 'alone.lmb');
  r = lmstream(['ngram', 'build', '--order', '3', '--quiet', '--binary', alone, train]);
  t.equal(r.code, 0, r.stderr);
  t.same(readFileSync(alone), readFileSync(lmb), 'build --binary without --arpa');
  const a = lmstream(['ngram', 'ppl', '--per-token', '--model', arpa, test]);
  const b = lmstream(['ngram', 'ppl', '--per-token', '--model', lmb, test]);
  t.equal(a.code, 0, a.stderr);
  t.equal(b.code, 0, b.stderr);
  t.equal(b.stdout, a.stdout, 'per-token scores and summary identical');
  t.match(b.stdout, /Perplexity including OOVs:\t321\.1037\n/);
  t.equal(formatLog10(-0.1), '-0.1');
  const ga = lmstream(['generate', '--model', arpa, '--seed', '3', '--count', '3']);
  const gb = lmstream(['generate', '--model', lmb, '--seed', '3', '--count', '3']);
  t.equal(gb.code, 0, gb.stderr);
  t.equal(gb.stdout, ga.stdout, 'generate: the same text from either format');
  t.equal(gb.stdout.split('\n').length, 4);
  // bad input
  await fsp.writeFile(path.join(dir, 'cut.lmb'), readFileSync(lmb).subarray(0, 1000));
  r = lmstream(['ngram', 'ppl', '--model', path.join(dir, 'cut.lmb'), test]);
  t.equal(r.code, 1);
  t.match(r.stderr, /^lmstream: .*cut\.lmb: truncated \(1000 bytes of \d+\)\n$/);
  r = lmstream(['ngram', 'binary', path.join(dir, 'missing.arpa'), path.join(dir, 'x.lmb')]);
  t.equal(r.code, 1);
  t.match(r.stderr, /missing\.arpa: no such file\n$/);
  t.same((await fsp.readdir(dir)).sort(), ['alone.lmb', 'built.lmb', 'cut.lmb', 'm.arpa', 'm.lmb'], 'no half-written file');
});
