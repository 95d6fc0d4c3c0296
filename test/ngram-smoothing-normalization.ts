/**
 * Every normalized classic smoothing gives a distribution that sums to 1
 * over the vocabulary (within 1e-9) for seen, unseen, empty and over-long
 * contexts, at orders 1–3, in sentence and stream mode, on the tiny fixture
 * and on a larger pseudo-random corpus (where Good-Turing discounts are
 * active and the vocabulary holds words with no count); logProb agrees with
 * nextDistribution for every word. Stupid back-off: scores agree likewise,
 * are never above 1, and do not sum to 1.
 */
import t from 'tap';
import type { MarkerMode } from '../src/types.js';
import type { NgramModel } from '../src/ngram/api.js';
import { Vocabulary } from '../src/vocab/vocabulary.js';
import { buildSmoothed, type ClassicSmoothing, type SmoothingOptions } from '../src/ngram/smoothing/index.js';
import { countLines, readLines } from './helpers/ngram-fixture.js';

const tiny = readLines(new URL('../fixtures/ngram-smoothing/tiny.txt', import.meta.url).pathname);

// deterministic pseudo-random corpus: 300 sentences over 120 words with a long tail (singletons exist at every order)
function randomCorpus(): string[] {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const out: string[] = [];
  for (let i = 0; i < 300; i++) {
    const len = 1 + Math.floor(rnd() * 8);
    const toks: string[] = [];
    for (let j = 0; j < len; j++) toks.push(`w${Math.floor(120 * rnd() ** 3)}`);
    out.push(toks.join(' '));
  }
  return out;
}
const big = randomCorpus();
// a vocabulary with words the data never has (they must still get mass where the method gives any)
const bigVocab = Vocabulary.fromTokens([...Array.from({ length: 120 }, (_, i) => `w${i}`), 'never1', 'never2']);

const methods: [string, ClassicSmoothing, SmoothingOptions][] = [
  ['mle', 'mle', {}],
  ['laplace', 'add-delta', { delta: 1 }],
  ['lidstone 0.5', 'add-delta', { delta: 0.5 }],
  ['katz k=5', 'katz', {}],
  ['katz k=2', 'katz', { katzK: 2 }],
  ['witten-bell', 'witten-bell', {}],
];

function contextsFor(m: NgramModel, lines: string[]): number[][] {
  const v = m.vocab;
  const first = lines[0].split(' ').map((x) => v.id(x));
  const second = lines[1].split(' ').map((x) => v.id(x));
  const ctxs: number[][] = [[], [v.bosId], [v.bosId, first[0]], first.slice(0, 2), [v.unkId], [v.eosId], [v.unkId, v.unkId]];
  ctxs.push([...first, ...second]); // long: crosses a sentence boundary, cut to order - 1
  ctxs.push([second[second.length - 1], first[0]]);
  for (let w = 3; w < Math.min(v.size, 12); w++) ctxs.push([w], [w, w], [v.bosId, w]);
  return ctxs;
}

function checkAgreement(tt: Tap.Test, m: NgramModel, ctx: number[], dist: Float64Array): number {
  let bad = 0;
  for (let w = 0; w < m.vocab.size; w++) {
    const { log10 } = m.logProb(ctx, w);
    const p = 10 ** log10;
    if (!(Math.abs(p - dist[w]) <= 1e-12 * Math.max(1, dist[w])) || (dist[w] === 0) !== (log10 === -Infinity)) bad++;
  }
  return bad;
}

for (const variant of ['sentence', 'stream', 'stream+markers'] as const) {
  const mode: MarkerMode = variant === 'sentence' ? 'sentence' : 'stream';
  for (const [corpusName, lines, vocab] of [['tiny', tiny, undefined], ['random', big, bigVocab]] as const) {
    for (let order = 1; order <= 3; order++) {
      const counts = countLines([...lines], order, mode, vocab, variant === 'stream+markers');
      for (const [name, smoothing, opts] of methods) {
        t.test(`${name}, order ${order}, ${variant} mode, ${corpusName} corpus`, async (tt) => {
          const m = buildSmoothed(counts, smoothing, opts);
          tt.equal(m.normalized, true);
          let worst = 0;
          let bad = 0;
          const ctxs = contextsFor(m, [...lines]);
          for (const ctx of ctxs) {
            const dist = m.nextDistribution(ctx);
            tt.equal(dist.length, m.vocab.size);
            const sum = dist.reduce((x, y) => x + y, 0);
            worst = Math.max(worst, Math.abs(sum - 1));
            bad += checkAgreement(tt, m, ctx, dist);
            tt.equal(dist[m.vocab.bosId], 0, '<s> is never predicted');
            if (variant === 'stream') tt.equal(dist[m.vocab.eosId], 0, 'no </s> in a stream without markers');
          }
          tt.ok(worst <= 1e-9, `all ${ctxs.length} distributions sum to 1 (worst |sum-1| = ${worst})`);
          tt.equal(bad, 0, 'logProb agrees with nextDistribution for every word');
          if (smoothing !== 'mle') {
            // smoothed methods give every predictable word mass, <unk> and unseen vocabulary words included
            // (Katz only where Good-Turing frees some: on the random corpus it does at every order)
            if (smoothing !== 'katz' || corpusName === 'random') {
              const d = m.nextDistribution([]);
              tt.ok(d[m.vocab.unkId] > 0, '<unk> has mass');
              if (vocab) tt.ok(d[vocab.id('never1')] > 0, 'a word with no count has mass');
            }
          }
        });
      }
    }
  }
}

t.test('stupid back-off: scores agree between logProb and nextDistribution, do not sum to 1', async (tt) => {
  for (let order = 1; order <= 3; order++) {
    const m = buildSmoothed(countLines(big, order, 'sentence', bigVocab), 'stupid-backoff', {});
    tt.equal(m.normalized, false);
    let bad = 0;
    let maxScore = 0;
    let sumAbove = 0;
    for (const ctx of contextsFor(m, big)) {
      const dist = m.nextDistribution(ctx);
      bad += checkAgreement(tt, m, ctx, dist);
      for (const x of dist) maxScore = Math.max(maxScore, x);
      if (dist.reduce((x, y) => x + y, 0) > 1 + 1e-6) sumAbove++;
    }
    tt.equal(bad, 0, `order ${order}: logProb agrees with nextDistribution`);
    tt.ok(maxScore <= 1, 'scores are at most 1');
    if (order > 1) tt.ok(sumAbove > 0, 'some score vectors sum above 1: not probabilities');
    else tt.equal(sumAbove, 0, 'order 1: relative frequencies');
  }
});
