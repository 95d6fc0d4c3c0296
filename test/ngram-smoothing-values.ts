/**
 * Hand-computed probabilities of the classic smoothings on
 * fixtures/ngram-smoothing/tiny.txt (8 sentences, sentence mode):
 *
 *   a b / a b / a b / a b c / c c / c / b a c b / b b
 *
 * Unigrams (predicted words): b 8, a 5, c 5, </s> 8 → N = 26; <s> 8 is a
 * history only. Predictable ids: <unk>, </s>, a, b, c → |V| = 5.
 * Bigram histories (continuations):
 *   <s>: a 4, b 2, c 2 (c = 8)    a: b 4, c 1 (c = 5)
 *   b: </s> 5, a 1, b 1, c 1 (c = 8)    c: </s> 3, b 1, c 1 (c = 5)
 * Trigrams: <s> a b 4, a b </s> 3, a b c 1, b c </s> 1, <s> c c 1,
 *   c c </s> 1, <s> c </s> 1, <s> b a 1, b a c 1, a c b 1, c b </s> 1,
 *   <s> b b 1, b b </s> 1.
 */
import t from 'tap';
import { buildSmoothed, goodTuringDiscounts } from '../src/ngram/smoothing/index.js';
import { countLines, readLines } from './helpers/ngram-fixture.js';
import { Vocabulary } from '../src/vocab/vocabulary.js';
import type { NgramCounts } from '../src/ngram/api.js';

const lines = readLines(new URL('../fixtures/ngram-smoothing/tiny.txt', import.meta.url).pathname);
const c1 = countLines(lines, 1, 'sentence');
const c2 = countLines(lines, 2, 'sentence');
const c3 = countLines(lines, 3, 'sentence');
const v = c3.vocab;
const [UNK, BOS, EOS, a, b, c] = ['<unk>', '<s>', '</s>', 'a', 'b', 'c'].map((x) => v.id(x));
const P = (m: { logProb: (h: number[], w: number) => { log10: number } }, h: number[], w: number) => 10 ** m.logProb(h, w).log10;
const close = (tt: Tap.Test, got: number, want: number, msg: string) => tt.ok(Math.abs(got - want) <= 1e-9, `${msg}: ${got} ≈ ${want}`);

t.test('fixture vocabulary and counts are as described', async (tt) => {
  tt.same([UNK, BOS, EOS, b, a, c], [0, 1, 2, 3, 4, 5]);
  tt.equal(c3.tables[2].n, 13);
  tt.equal(c2.tables[1].n, 12); // <s>a <s>b <s>c ab ac b</s> ba bb bc c</s> cb cc
});

t.test('mle', async (tt) => {
  const m1 = buildSmoothed(c1, 'mle', {});
  close(tt, P(m1, [], a), 5 / 26, 'P(a)');
  close(tt, P(m1, [], EOS), 8 / 26, 'P(</s>)');
  tt.equal(m1.logProb([], UNK).log10, -Infinity, 'unseen <unk> has probability 0');
  tt.equal(m1.logProb([], BOS).log10, -Infinity, '<s> is never predicted');
  const m3 = buildSmoothed(c3, 'mle', {});
  close(tt, P(m3, [a], b), 4 / 5, 'P(b | a)');
  close(tt, P(m3, [b], EOS), 5 / 8, 'P(</s> | b)');
  close(tt, P(m3, [BOS], a), 4 / 8, 'P(a | <s>) at sentence start');
  close(tt, P(m3, [a, b], c), 1 / 4, 'P(c | a b)');
  tt.same(m3.logProb([a, b], c).ngramLength, 3);
  tt.equal(m3.logProb([a, b], a).log10, -Infinity, 'seen history, unseen word: 0');
  // history "c a" never seen: back off to "a"
  close(tt, P(m3, [c, a], b), 4 / 5, 'P(b | c a) = P(b | a)');
  tt.equal(m3.logProb([c, a], b).ngramLength, 2);
  // longer contexts are cut to order - 1
  close(tt, P(m3, [c, c, a, b], c), 1 / 4, 'only the last two ids matter');
});

t.test('add-delta (Laplace δ = 1, Lidstone δ = 0.5)', async (tt) => {
  const l1 = buildSmoothed(c1, 'add-delta', { delta: 1 });
  close(tt, P(l1, [], b), (8 + 1) / (26 + 5), 'P(b) = 9/31');
  close(tt, P(l1, [], UNK), 1 / 31, 'P(<unk>) = 1/31');
  tt.equal(l1.logProb([], BOS).log10, -Infinity, '<s> not predicted');
  const l2 = buildSmoothed(c2, 'add-delta', {});
  close(tt, P(l2, [a], b), 5 / 10, 'P(b | a) = (4+1)/(5+5)');
  close(tt, P(l2, [a], c), 2 / 10, 'P(c | a) = (1+1)/(5+5)');
  close(tt, P(l2, [a], a), 1 / 10, 'P(a | a) = 1/10');
  tt.equal(l2.logProb([a], a).ngramLength, 1);
  const l3 = buildSmoothed(c3, 'add-delta', { delta: 1 });
  close(tt, P(l3, [a, b], c), 2 / 9, 'P(c | a b) = (1+1)/(4+5)');
  close(tt, P(l3, [c, a], b), 1 / 5, 'unseen history "c a": uniform 1/|V|');
  tt.equal(l3.logProb([c, a], b).ngramLength, 2, 'longest seen n-gram is "a b"');

  const h1 = buildSmoothed(c1, 'add-delta', { delta: 0.5 });
  close(tt, P(h1, [], UNK), 0.5 / 28.5, 'P(<unk>) = 1/57');
  const h2 = buildSmoothed(c2, 'add-delta', { delta: 0.5 });
  close(tt, P(h2, [a], b), 3 / 5, 'P(b | a) = 4.5/7.5');
  const h3 = buildSmoothed(c3, 'add-delta', { delta: 0.5 });
  close(tt, P(h3, [a, b], c), 3 / 13, 'P(c | a b) = 1.5/6.5');
});

t.test('witten-bell (interpolated)', async (tt) => {
  // unigrams: T = 4 distinct words, |V| = 5: P(w) = (c(w) + 4/5) / 30
  const w1 = buildSmoothed(c1, 'witten-bell', {});
  close(tt, P(w1, [], b), 22 / 75, 'P(b) = 8.8/30');
  close(tt, P(w1, [], a), 29 / 150, 'P(a) = 5.8/30');
  close(tt, P(w1, [], UNK), 2 / 75, 'P(<unk>) = 0.8/30');
  // history a: c = 5, T = 2
  const w3 = buildSmoothed(c3, 'witten-bell', {});
  close(tt, P(w3, [a], b), 344 / 525, 'P(b | a) = (4 + 2·22/75)/7');
  close(tt, P(w3, [a], UNK), 4 / 525, 'P(<unk> | a) = 2·(2/75)/7');
  // history b: c = 8, T = 4: P(c | b) = (1 + 4·29/150)/12 = 133/900
  close(tt, P(w3, [b], c), 133 / 900, 'P(c | b)');
  // history a b: c = 4, T = 2: P(c | a b) = (1 + 2·133/900)/6 = 583/2700
  close(tt, P(w3, [a, b], c), 583 / 2700, 'P(c | a b)');
  close(tt, P(w3, [c, a], b), 344 / 525, 'unseen history "c a" = P(b | a)');
});

t.test('Good-Turing discounts (Katz, SRILM rules)', async (tt) => {
  // bigrams of the fixture: n1 = 6, n2 = 2, n3 = 1, n4 = 2, n5 = 1
  // k = 2: A = 3·n3/n1 = 1/2; d1 = (2·2/6 − 1/2)/(1/2) = 1/3; d2 = (3·1/(2·2) − 1/2)/(1/2) = 1/2
  const d = goodTuringDiscounts([0, 6, 2, 1, 2, 1], 2);
  close(tt, d[1], 1 / 3, 'd1');
  close(tt, d[2], 1 / 2, 'd2');
  tt.equal(d[3] ?? 1, 1);
  // k = 5: n6 = 0 lowers k to 4; A = 5·1/6; d1 = (4/6 − 5/6)/(1/6) < 0 → 1, d2 → 1, d3 (8/3 > 1) → 1, d4 → 1
  tt.same([...goodTuringDiscounts([0, 6, 2, 1, 2, 1], 5)].slice(1, 5), [1, 1, 1, 1]);
  // no singletons: no discounting
  tt.same([...goodTuringDiscounts([0, 0, 3, 1], 5)], [1, 1]);
  // textbook case: n1 = 10, n2 = 4, n3 = 2, k = 2 → A = 0.6, d1 = (0.8 − 0.6)/0.4 = 0.5, d2 = (0.75 − 0.6)/0.4 = 0.375
  const e = goodTuringDiscounts([0, 10, 4, 2], 2);
  close(tt, e[1], 0.5, 'd1 textbook');
  close(tt, e[2], 0.375, 'd2 textbook');
});

t.test('katz (k = 2)', async (tt) => {
  // unigrams: no singleton → no discount: P = MLE, <unk> gets nothing left
  const k2 = buildSmoothed(c2, 'katz', { katzK: 2 });
  close(tt, P(k2, [], b), 8 / 26, 'P(b)');
  tt.equal(k2.logProb([], UNK).log10, -Infinity);
  // history a: P(b|a) = 4/5 (4 > k), P(c|a) = d1·1/5 = 1/15; α = (2/15)/(1 − 8/26 − 5/26) = 4/15
  close(tt, P(k2, [a], b), 4 / 5, 'P(b | a)');
  close(tt, P(k2, [a], c), 1 / 15, 'P(c | a)');
  close(tt, P(k2, [a], EOS), (4 / 15) * (8 / 26), 'P(</s> | a) = α(a)·P(</s>)');
  close(tt, P(k2, [a], a), (4 / 15) * (5 / 26), 'P(a | a) = 2/39');
  // history c: P(</s>|c) = 3/5, P(b|c) = P(c|c) = 1/15; α = (4/15)/(5/26) = 104/75
  close(tt, P(k2, [c], a), 4 / 15, 'P(a | c) = 104/75 · 5/26');
  // history <s>: P(a) = 1/2, P(b) = P(c) = d2·2/8 = 1/8; α = (1/4)/(8/26); P(</s>|<s>) = 1/4
  close(tt, P(k2, [BOS], b), 1 / 8, 'P(b | <s>)');
  close(tt, P(k2, [BOS], EOS), 1 / 4, 'P(</s> | <s>)');
  // trigrams: n1 = 11, n2 = 0, n3 = 1 → no valid coefficient, no discount
  const k3 = buildSmoothed(c3, 'katz', { katzK: 2 });
  close(tt, P(k3, [a, b], c), 1 / 4, 'P(c | a b) undiscounted');
  tt.equal(k3.logProb([a, b], a).log10, -Infinity, 'nothing left for unseen words after "a b"');
  close(tt, P(k3, [c, a], c), 1 / 15, 'unseen history "c a" backs off to P(c | a)');
  // default k = 5 on this data: no discount at any order, Katz = MLE
  const k5 = buildSmoothed(c2, 'katz', {});
  close(tt, P(k5, [a], c), 1 / 5, 'k = 5: P(c | a) = MLE');
});

t.test('stupid back-off scores (not probabilities)', async (tt) => {
  const s3 = buildSmoothed(c3, 'stupid-backoff', {});
  tt.equal(s3.normalized, false);
  close(tt, P(s3, [a, b], c), 1 / 4, 'seen trigram: relative frequency');
  close(tt, P(s3, [a, b], EOS), 3 / 4, 'seen trigram');
  close(tt, P(s3, [c, b], EOS), 1, 'S(</s> | c b) = 1/1');
  close(tt, P(s3, [a, b], a), 0.4 * (1 / 8), 'S(a | a b) = 0.4·S(a | b)');
  close(tt, P(s3, [c, a], a), 0.16 * (5 / 26), 'S(a | c a) = 0.4·0.4·S(a): unseen history still pays α');
  close(tt, P(s3, [BOS], a), 1 / 2, 'at sentence start the bigram is the longest history: no penalty');
  tt.equal(s3.logProb([a, b], UNK).log10, -Infinity, 'no count anywhere: score 0');
  const s2 = buildSmoothed(c2, 'stupid-backoff', { alpha: 0.5 });
  close(tt, P(s2, [a], a), 0.5 * (5 / 26), 'α = 0.5');
  // the scores after "a" do not sum to 1: 4/5 + 1/5 + 0.5·(8/26) + 0.5·(5/26)
  const sum = s2.nextDistribution([a]).reduce((x, y) => x + y, 0);
  close(tt, sum, 1 + 0.5 * (13 / 26), 'sum of scores after "a" is 1.25');
});

t.test('stream mode', async (tt) => {
  // one stream: a b a b a b a b c c c c b a c b b b → a 5, b 8, c 5, N = 18
  // predictable: <unk>, a, b, c (no markers in stream mode) → |V| = 4
  const s1 = countLines(lines, 1, 'stream');
  const l1 = buildSmoothed(s1, 'add-delta', {});
  close(tt, P(l1, [], a), 6 / 22, 'P(a) = (5+1)/(18+4)');
  tt.equal(l1.logProb([], EOS).log10, -Infinity, '</s> not predicted in stream mode');
  tt.equal(l1.logProb([], BOS).log10, -Infinity, '<s> not predicted in stream mode');
  const s2 = countLines(lines, 2, 'stream');
  // the stream's bigrams after b (positions 2 4 6 8 13 16 17; the final b has no successor):
  // a 4, c 1, b 2 → c(b) = 7
  const m2 = buildSmoothed(s2, 'mle', {});
  close(tt, P(m2, [b], a), 4 / 7, 'P(a | b)');
  // WB unigrams: T = 3, |V| = 4: P(<unk>) = (3/4)/21
  const w2 = buildSmoothed(s2, 'witten-bell', {});
  close(tt, P(w2, [], UNK), 0.75 / 21, 'P(<unk>)');
  // context crosses what were line ends: "c c" occurs
  close(tt, P(m2, [c], c), 3 / 5, 'P(c | c) = 3/5');
});

t.test('katz: a history after which every word with mass was seen gets its probabilities rescaled', async (tt) => {
  // hand-made tables (k = 2). Unigrams: a, x0 … x9, </s> 10 each (no singleton: MLE, <unk> gets 0).
  // Bigrams after a: </s> a x0 x1 twice, x2 … x9 once (every word with unigram mass);
  // after x0: x1 1, x2 1, x3 3, x4 3. Counts-of-counts n1 = 10, n2 = 4, n3 = 2 → d1 = 1/2, d2 = 3/8.
  const vocab = Vocabulary.fromTokens(['a', ...Array.from({ length: 10 }, (_, i) => `x${i}`)]);
  const [a, x0] = [vocab.id('a'), vocab.id('x0')];
  const uni = [2, ...Array.from({ length: 11 }, (_, i) => 3 + i)];
  const big: [number, number, number][] = [];
  for (const w of [2, ...Array.from({ length: 11 }, (_, i) => 3 + i)]) big.push([a, w, w <= x0 + 1 ? 2 : 1]);
  big.push([x0, x0 + 1, 1], [x0, x0 + 2, 1], [x0, x0 + 3, 3], [x0, x0 + 4, 3]);
  const counts: NgramCounts = {
    order: 2, vocab, mode: 'sentence',
    tables: [
      { order: 1, n: uni.length, ids: Uint32Array.from(uni), counts: new Float64Array(uni.length).fill(10) },
      { order: 2, n: big.length, ids: Uint32Array.from(big.flatMap(([h, w]) => [h, w])), counts: Float64Array.from(big.map((r) => r[2])) },
    ],
  };
  const m = buildSmoothed(counts, 'katz', { katzK: 2 });
  // c(a) = 4·2 + 8·1 = 16; discounted mass seen = (4·(3/8)·2 + 8·(1/2)·1)/16 = 7/16, nothing to back off to:
  // P(w | a) = d_c·c / 7 → 3/28 for the count-2 words, 1/14 for the count-1 words; <unk> gets 0
  close(tt, P(m, [a], x0), 3 / 28, 'P(x0 | a)');
  close(tt, P(m, [a], vocab.id('x5')), 1 / 14, 'P(x5 | a)');
  tt.equal(m.logProb([a], UNK).log10, -Infinity);
  const sum = m.nextDistribution([a]).reduce((x, y) => x + y, 0);
  close(tt, sum, 1, 'sums to 1');
  // after x0: c = 8, P(x1|x0) = (1/2)/8, P(x3|x0) = 3/8; N = 12·10 = 120;
  // α = (1 − 1/16 − 1/16 − 6/8) / (1 − 4·10/120) = 3/16, so P(a | x0) = 3/16 · 1/12 = 1/64
  close(tt, P(m, [x0], x0 + 1), 1 / 16, 'P(x1 | x0)');
  close(tt, P(m, [x0], a), 1 / 64, 'P(a | x0) = α·P(a)');
  close(tt, m.nextDistribution([x0]).reduce((x, y) => x + y, 0), 1, 'sums to 1');
});
