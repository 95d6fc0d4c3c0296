import t from 'tap';
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { buildModelFromCorpus, buildArpaFromCorpus } from '../src/ngram/build.js';
import { readArpa } from '../src/ngram/arpa-read.js';
import { ArpaModel } from '../src/ngram/arpa-model.js';
import type { ByteSink } from '../src/ngram/arpa-write.js';
import type { NgramModel } from '../src/ngram/api.js';

const text = ['the cat sat', 'the dog sat on the mat', 'a cat ran', 'the cat ran on the mat', 'über café sat', 'the mat sat on a dog'];

/** deterministic contexts: every length 0 … order, ids from a small LCG (some unseen combinations, <unk>, </s>) */
function contexts(V: number, order: number): number[][] {
  const out: number[][] = [];
  let s = 12345;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s % V; };
  for (let len = 0; len <= order; len++) for (let i = 0; i < 30; i++) out.push(Array.from({ length: len }, rnd));
  return out;
}

function checkModel(t: Tap.Test, m: NgramModel, sumTol: number): void {
  const V = m.vocab.size;
  let worst = 0;
  let worstSum = 0;
  for (const ctx of [...contexts(V, m.order), [m.vocab.bosId], [m.vocab.bosId, m.vocab.id('the')]]) {
    const d = m.nextDistribution(ctx);
    t.equal(d.length, V);
    let sum = 0;
    for (let w = 0; w < V; w++) {
      sum += d[w];
      if (w === m.vocab.bosId) { if (d[w] !== 0) t.fail('<s> has probability'); continue; }
      const want = Math.pow(10, m.logProb(ctx, w).log10);
      worst = Math.max(worst, Math.abs(d[w] - want) / want);
    }
    worstSum = Math.max(worstSum, Math.abs(sum - 1));
  }
  t.ok(worst < 1e-9, `every word equals logProb (worst relative difference ${worst})`);
  t.ok(worstSum < sumTol, `sums to 1 (worst |sum - 1| = ${worstSum})`);
}

declare namespace Tap { type Test = Parameters<Parameters<typeof t.test>[1]>[0] }

t.test('nextDistribution equals logProb word by word and sums to 1 (in-memory models)', async (t) => {
  for (const order of [1, 2, 3, 4]) {
    for (const mode of ['sentence', 'stream'] as const) {
      const m = await buildModelFromCorpus(text, { order, mode, warn: () => {} });
      t.ok(m instanceof ArpaModel);
      checkModel(t, m, 1e-9);
    }
  }
});

t.test('nextDistribution on a model read from ARPA (fixture corpus, pruned and not)', async (t) => {
  const corpus = readFileSync(new URL('../fixtures/ngram/tiny.txt', import.meta.url), 'utf8').split('\n').filter(Boolean);
  for (const prune of [false, true]) {
    const parts: Buffer[] = [];
    const sink: ByteSink = { async write(b) { parts.push(Buffer.from(b)); } };
    await buildArpaFromCorpus([...corpus, ...text], { order: 3, out: sink, prune, warn: () => {} });
    const m = new ArpaModel(await readArpa(Readable.from([Buffer.concat(parts)]), 'mem.arpa'));
    checkModel(t, m, 1e-6);
  }
});

t.test('nextDistribution: a hand-written back-off ARPA model', async (t) => {
  const arpa = [
    '\\data\\', 'ngram 1=5', 'ngram 2=3', 'ngram 3=1', '',
    '\\1-grams:', '-1\t<unk>\t0', '0\t<s>\t-0.3', '-0.5\t</s>', '-0.6\ta\t-0.2', '-0.4\tb\t-0.1', '',
    '\\2-grams:', '-0.2\t<s> a\t-0.5', '-0.3\ta b\t0', '-0.1\ta a', '',
    '\\3-grams:', '-0.05\t<s> a b', '', '\\end\\', '',
  ].join('\n');
  const m = new ArpaModel(await readArpa(Readable.from([arpa]), 'hand.arpa'));
  const id = (w: string) => m.vocab.id(w);
  const d = m.nextDistribution([id('<s>'), id('a')]);
  // <s> a b listed; a a listed under context "a" with bo(<s> a) = -0.5; the rest: bo(<s> a) + bo(a) + unigram
  t.ok(Math.abs(d[id('b')] - Math.pow(10, -0.05)) < 1e-12);
  t.ok(Math.abs(d[id('a')] - Math.pow(10, -0.5 - 0.1)) < 1e-12);
  t.ok(Math.abs(d[id('</s>')] - Math.pow(10, -0.5 - 0.2 - 0.5)) < 1e-12);
  t.ok(Math.abs(d[id('<unk>')] - Math.pow(10, -0.5 - 0.2 - 1)) < 1e-12);
  t.equal(d[id('<s>')], 0);
});
