/**
 * toBackoffEntries: the ARPA form of mle, katz and witten-bell means exactly
 * the same model (checked with an independent back-off evaluator written
 * here), also when a history is missing from the counts; add-delta and
 * stupid back-off refuse beyond order 1 with the reason; bad input to
 * buildSmoothed gives clear errors.
 */
import t from 'tap';
import type { NgramCounts, NgramModel } from '../src/ngram/api.js';
import { buildSmoothed, toBackoffEntries, type BackoffOrder, type ClassicSmoothing, type SmoothingOptions } from '../src/ngram/smoothing/index.js';
import { countLines, readLines } from './helpers/ngram-fixture.js';

const tiny = readLines(new URL('../fixtures/ngram-smoothing/tiny.txt', import.meta.url).pathname);

/** ARPA semantics: log P(w|h) = p(h w) if listed, else bo(h) (0 if h unlisted or without a field) + log P(w|h') */
function arpaLogProb(orders: BackoffOrder[], ctx: number[], w: number): number {
  const table = new Map<string, { p: number; bo: number }>();
  for (const o of orders) {
    const { ids, log10p, log10bo } = o.entries;
    for (let i = 0; i < log10p.length; i++) {
      table.set(Array.from(ids.subarray(i * o.order, i * o.order + o.order)).join(' '), { p: log10p[i], bo: log10bo[i] });
    }
  }
  const M = Math.min(orders.length - 1, ctx.length);
  let bo = 0;
  for (let m = M; m >= 0; m--) {
    const h = ctx.slice(ctx.length - m);
    const hit = table.get([...h, w].join(' '));
    if (hit) return bo + hit.p;
    if (m > 0) {
      const x = table.get(h.join(' '))?.bo;
      if (x !== undefined && !Number.isNaN(x)) bo += x;
    }
  }
  throw new Error(`word ${w} has no unigram entry`);
}

function allContexts(V: number, maxLen: number): number[][] {
  const out: number[][] = [[]];
  let layer: number[][] = [[]];
  for (let len = 1; len <= maxLen; len++) {
    layer = layer.flatMap((c) => Array.from({ length: V }, (_, w) => [...c, w]));
    out.push(...layer);
  }
  return out;
}

function checkExact(tt: Tap.Test, m: NgramModel, orders: BackoffOrder[]): void {
  const V = m.vocab.size;
  tt.equal(orders.length, m.order, 'one block per order');
  orders.forEach((o, i) => {
    tt.equal(o.order, i + 1);
    const { ids, log10p, log10bo } = o.entries;
    tt.equal(ids.length, log10p.length * o.order);
    tt.equal(log10bo.length, log10p.length);
    let sorted = true;
    for (let e = 1; e < log10p.length; e++) {
      let c = 0;
      for (let q = 0; q < o.order && c === 0; q++) c = ids[(e - 1) * o.order + q] - ids[e * o.order + q];
      if (c >= 0) sorted = false;
    }
    tt.ok(sorted, `order ${o.order} sorted lexicographically, no duplicates`);
    tt.ok(log10p.every((x) => Number.isFinite(x) && x <= 0), 'finite log10 probabilities');
    if (o.order === m.order) tt.ok(log10bo.every((x) => Number.isNaN(x)), 'no back-off field at the highest order');
  });
  tt.equal(orders[0].entries.log10p.length, V, 'every vocabulary id is a unigram');
  tt.equal(orders[0].entries.log10p[m.vocab.bosId], -99, '<s> written as log10 0 = -99');
  let bad = 0;
  let n = 0;
  for (const ctx of allContexts(V, m.order - 1)) {
    for (let w = 0; w < V; w++) {
      const want = m.logProb(ctx, w).log10;
      const got = arpaLogProb(orders, ctx, w);
      n++;
      // -99 stands for log10 0; a back-off weight above 1 may lift it a little
      if (want === -Infinity ? !(got <= -90) : !(Math.abs(got - want) <= 1e-9)) bad++;
    }
  }
  tt.equal(bad, 0, `the ARPA form gives the model's log10 P for all ${n} (context, word) pairs`);
}

const exact: [string, ClassicSmoothing, SmoothingOptions][] = [
  ['mle', 'mle', {}],
  ['katz k=2', 'katz', { katzK: 2 }],
  ['katz k=5', 'katz', {}],
  ['witten-bell', 'witten-bell', {}],
];

for (const [name, smoothing, opts] of exact) {
  for (let order = 1; order <= 3; order++) {
    for (const mode of ['sentence', 'stream'] as const) {
      t.test(`${name} order ${order} ${mode}: ARPA form is exact`, async (tt) => {
        const m = buildSmoothed(countLines(tiny, order, mode, undefined, true), smoothing, opts);
        checkExact(tt, m, toBackoffEntries(m));
      });
    }
  }
}

t.test('witten-bell ARPA values by hand: unigram and back-off of "a"', async (tt) => {
  const c = countLines(tiny, 2, 'sentence');
  const a = c.vocab.id('a');
  const orders = toBackoffEntries(buildSmoothed(c, 'witten-bell', {}));
  // P(a) = 5.8/30; bo(a) = T/(c+T) = 2/7
  tt.ok(Math.abs(orders[0].entries.log10p[a] - Math.log10(5.8 / 30)) < 1e-12);
  tt.ok(Math.abs(orders[0].entries.log10bo[a] - Math.log10(2 / 7)) < 1e-12);
  // MLE: every seen history backs off with weight 0 (-99); `</s>` is no history (0)
  const mle = toBackoffEntries(buildSmoothed(c, 'mle', {}));
  tt.equal(mle[0].entries.log10bo[a], -99);
  tt.ok(Number.isNaN(mle[0].entries.log10bo[c.vocab.eosId]), '</s> is no history: no back-off field');
});

/** drop one bigram from the table: the trigram history "a b" is then no seen bigram */
function withoutBigram(c: NgramCounts, x: number, y: number): NgramCounts {
  const t2 = c.tables[1];
  const keep: number[] = [];
  for (let i = 0; i < t2.n; i++) if (!(t2.ids[2 * i] === x && t2.ids[2 * i + 1] === y)) keep.push(i);
  const ids = Uint32Array.from(keep.flatMap((i) => [t2.ids[2 * i], t2.ids[2 * i + 1]]));
  const counts = Float64Array.from(keep.map((i) => t2.counts[i]));
  return { ...c, tables: [c.tables[0], { order: 2, n: keep.length, ids, counts }, c.tables[2]] };
}

t.test('a history missing from the counts is added to the ARPA form with its backed-off probability', async (tt) => {
  const c = countLines(tiny, 3, 'sentence');
  const [a, b] = [c.vocab.id('a'), c.vocab.id('b')];
  const pruned = withoutBigram(c, a, b);
  for (const s of ['mle', 'katz', 'witten-bell'] as const) {
    const m = buildSmoothed(pruned, s, { katzK: 2 });
    const orders = toBackoffEntries(m);
    const o2 = orders[1].entries;
    let found = -1;
    for (let i = 0; i < o2.log10p.length; i++) if (o2.ids[2 * i] === a && o2.ids[2 * i + 1] === b) found = i;
    tt.ok(found >= 0, `${s}: "a b" is listed at order 2`);
    const want = m.logProb([a], b).log10;
    tt.equal(m.logProb([a], b).ngramLength, 1, 'the model backs off for "a b"');
    tt.ok(want === -Infinity ? o2.log10p[found] === -99 : Math.abs(o2.log10p[found] - want) < 1e-12, 'with the backed-off value');
    checkExact(tt, m, orders);
  }
});

t.test('add-delta and stupid back-off: exact at order 1, refused above with the reason', async (tt) => {
  const c1 = countLines(tiny, 1, 'sentence');
  const c2 = countLines(tiny, 2, 'sentence');
  const l1 = buildSmoothed(c1, 'add-delta', { delta: 0.5 });
  const o = toBackoffEntries(l1);
  tt.ok(Math.abs(o[0].entries.log10p[c1.vocab.id('b')] - Math.log10(8.5 / 28.5)) < 1e-12, 'P(b) = 8.5/28.5');
  checkExact(tt, l1, o);
  const s1 = buildSmoothed(c1, 'stupid-backoff', {});
  checkExact(tt, s1, toBackoffEntries(s1));
  tt.throws(() => toBackoffEntries(buildSmoothed(c2, 'add-delta', {})), /add-delta \(order 2\) cannot be written as an ARPA back-off model: .*depends on the history/);
  tt.throws(() => toBackoffEntries(buildSmoothed(c2, 'stupid-backoff', {})), /stupid-backoff \(order 2\) cannot be written as an ARPA back-off model: .*scores, not probabilities/);
  const fake: NgramModel = { order: 1, vocab: c1.vocab, normalized: true, logProb: () => ({ log10: 0, ngramLength: 1 }), nextDistribution: () => new Float64Array(0) };
  tt.throws(() => toBackoffEntries(fake), /not built by buildSmoothed/);
});

t.test('bad input gives clear errors', async (tt) => {
  const c2 = countLines(tiny, 2, 'sentence');
  tt.throws(() => buildSmoothed(c2, 'kn' as ClassicSmoothing), /unknown smoothing "kn"/);
  tt.throws(() => buildSmoothed(countLines([], 2, 'sentence'), 'witten-bell'), /witten-bell: the counts hold no predicted token/);
  tt.throws(() => buildSmoothed(c2, 'add-delta', { delta: 0 }), /delta must be a positive number/);
  tt.throws(() => buildSmoothed(c2, 'stupid-backoff', { alpha: -1 }), /alpha must be a positive number/);
  tt.throws(() => buildSmoothed(c2, 'katz', { katzK: 1.5 }), /katz: k must be an integer/);
  const t2 = c2.tables[1];
  const swapped = Uint32Array.from(t2.ids);
  [swapped[0], swapped[1], swapped[2], swapped[3]] = [t2.ids[2], t2.ids[3], t2.ids[0], t2.ids[1]];
  tt.throws(() => buildSmoothed({ ...c2, tables: [c2.tables[0], { ...t2, ids: swapped }] }, 'mle'), /table of order 2 is not sorted .* at entry 1/);
  const frac = Float64Array.from(t2.counts);
  frac[0] = 0.5;
  tt.throws(() => buildSmoothed({ ...c2, tables: [c2.tables[0], { ...t2, counts: frac }] }, 'katz'), /katz: Good-Turing needs integer counts, the table of order 2 has a count of 0.5/);
  const outside = Uint32Array.from(t2.ids);
  outside[outside.length - 1] = 999;
  tt.throws(() => buildSmoothed({ ...c2, tables: [c2.tables[0], { ...t2, ids: outside }] }, 'mle'), /id 999 outside the vocabulary/);
  tt.throws(() => buildSmoothed({ ...c2, tables: [c2.tables[0]] }, 'mle'), /table of order 2 is missing/);
  const m = buildSmoothed(c2, 'mle');
  tt.throws(() => m.logProb([], 99), /word id 99 is outside the vocabulary/);
});
