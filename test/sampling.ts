import t from 'tap';
import {
  applyTemperature, applyTopK, applyTopP, argmax, drawIndex, maskScores, rankIds, sampleId,
  samplingDistribution, EmptyDistributionError, checkSamplingOptions,
} from '../src/generate/sampling.js';
import { Xoshiro128 } from '../src/util/random.js';

/** A uniform source that replays a fixed sequence. */
function fixed(us: number[]) {
  let i = 0;
  return {
    random: () => {
      if (i >= us.length) throw new Error('fixed sequence exhausted');
      return us[i++];
    },
    get used() {
      return i;
    },
  };
}

t.test('rng: xoshiro128** reference outputs, state round trip, ranges', async (t) => {
  // state (1,2,3,4): out1 = rotl(2*5,7)*9 = 1280*9; then s1 = 0 so out2 = 0;
  // then s1 = 1026 ^ 7 = 1029: out3 = rotl(5145,7)*9 = 658560*9 (the published sequence)
  const r = Xoshiro128.fromState([1, 2, 3, 4]);
  t.equal(r.nextUint32(), 11520);
  t.equal(r.nextUint32(), 0);
  t.equal(r.nextUint32(), 5927040);
  const a = new Xoshiro128(42);
  for (let i = 0; i < 10; i++) a.random();
  const saved = a.getState();
  const b = Xoshiro128.fromState(JSON.parse(JSON.stringify(saved)));
  const xs = Array.from({ length: 20 }, () => a.random());
  const ys = Array.from({ length: 20 }, () => b.random());
  t.same(ys, xs, 'restored state continues with the same numbers');
  t.not(new Xoshiro128(1).nextUint32(), new Xoshiro128(2).nextUint32(), 'different seeds differ');
  t.equal(new Xoshiro128(7).random(), new Xoshiro128(7).random(), 'same seed, same numbers');
  const c = new Xoshiro128(3);
  let min = 1, max = 0, sum = 0;
  const counts = [0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 7000; i++) {
    const u = c.random();
    min = Math.min(min, u); max = Math.max(max, u); sum += u;
    counts[c.int(7)]++;
  }
  t.ok(min >= 0 && max < 1);
  t.ok(Math.abs(sum / 7000 - 0.5) < 0.02, `mean of uniforms ${sum / 7000}`);
  // chi-square with 6 dof: 99.9% quantile 22.46
  const chi = counts.reduce((s, o) => s + (o - 1000) ** 2 / 1000, 0);
  t.ok(chi < 22.46, `int(7) chi-square ${chi}`);
  t.throws(() => Xoshiro128.fromState([0, 0, 0, 0]));
  t.throws(() => new Xoshiro128(NaN));
});

t.test('inverse CDF draw: exact ids for fixed uniforms', async (t) => {
  const p = [0.1, 0, 0.2, 0.3, 0.4];
  // cumulative 0.1, 0.1, 0.3, 0.6, 1.0
  t.equal(drawIndex(p, 0), 0);
  t.equal(drawIndex(p, 0.0999), 0);
  t.equal(drawIndex(p, 0.1), 2, 'zero-probability id 1 is skipped');
  t.equal(drawIndex(p, 0.29), 2);
  t.equal(drawIndex(p, 0.31), 3);
  t.equal(drawIndex(p, 0.61), 4);
  t.equal(drawIndex(p, 0.9999999999), 4);
  t.equal(drawIndex([0, 0.5, 0], 0.99999999999), 1, 'never a zero-probability id at the top');
  // unnormalised scores (stupid back-off) give the same draws
  t.equal(drawIndex([1, 0, 2, 3, 4], 0.31), 3);
  t.equal(drawIndex([1, 0, 2, 3, 4], 0.29), 2);
});

t.test('sampleId with a fixed uniform sequence, <s> masked, --no-unk', async (t) => {
  // ids: 0 <unk>, 1 <s>, 2 </s>, 3 a, 4 b
  const scores = [0.2, 0.2, 0.1, 0.3, 0.2];
  const base = { bosId: 1, unkId: 0 };
  // without <s>: [0.25, 0, 0.125, 0.375, 0.25] → cum 0.25, 0.25, 0.375, 0.75, 1
  const u = fixed([0.1, 0.3, 0.5, 0.8]);
  t.same([0, 0, 0, 0].map(() => sampleId(scores, base, u)), [0, 2, 3, 4]);
  t.equal(u.used, 4, 'one uniform per draw');
  // no <unk>: [0, 0, 1/6, 1/2, 1/3] → cum 1/6, 2/3, 1
  const v = fixed([0.1, 0.5, 0.7]);
  t.same([0, 0, 0].map(() => sampleId(scores, { ...base, noUnk: true }, v)), [2, 3, 4]);
  // <s> is never drawn even when it holds all the mass but one tiny entry
  const w = fixed([0, 0.5, 0.999999]);
  t.same([0, 0, 0].map(() => sampleId([0, 1, 0, 0, 1e-9], base, w)), [4, 4, 4]);
  t.throws(() => sampleId([0, 1, 0], base, fixed([0.5])), EmptyDistributionError);
  t.throws(() => sampleId([0.5, NaN, 0.5], {}, fixed([0.5])), /id 1/);
  t.throws(() => sampleId([0.5, -0.1, 0.5], {}, fixed([0.5])), /id 1/);
});

t.test('greedy: argmax, lowest id on ties, no random number used', async (t) => {
  const u = fixed([]);
  t.equal(sampleId([0.1, 0.2, 0.4, 0.3], { greedy: true }, u), 2);
  t.equal(sampleId([0.1, 0.2, 0.4, 0.3], { temperature: 0 }, u), 2, 'T = 0 is greedy');
  t.equal(sampleId([0.3, 0.35, 0.35], { greedy: true }, u), 1, 'tie → lower id');
  t.equal(sampleId([0.1, 0.9, 0.0], { greedy: true, bosId: 1 }, u), 0, '<s> is not chosen by greedy either');
  t.equal(u.used, 0);
  t.equal(argmax([0, 0, 0]), -1);
  // very low temperature converges on greedy without underflow
  const p = samplingDistribution([0.3, 0.31, 0.39], { temperature: 1e-4 });
  t.equal(p[2], 1);
  t.equal(p[0] + p[1], 0);
});

t.test('temperature matches p^(1/T)/Z to 1e-9, in log space', async (t) => {
  const p = [0.5, 0.25, 0.125, 0.0625, 0.0625];
  for (const T of [0.3, 0.7, 1, 1.5, 4]) {
    const got = applyTemperature(Float64Array.from(p), T);
    const z = p.reduce((s, x) => s + x ** (1 / T), 0);
    p.forEach((x, i) => t.ok(Math.abs(got[i] - x ** (1 / T) / z) < 1e-9, `T=${T} id ${i}: ${got[i]} vs ${x ** (1 / T) / z}`));
  }
  // unnormalised scores: same as normalising first
  const s = [2, 1, 1];
  const got = applyTemperature(Float64Array.from(s), 0.5);
  t.ok(Math.abs(got[0] - 4 / 6) < 1e-12 && Math.abs(got[1] - 1 / 6) < 1e-12);
  // tiny probabilities at tiny T: direct pow would underflow to 0/0
  const tiny = applyTemperature(Float64Array.from([1e-300, 2e-300]), 0.01);
  const expect = 1 / (1 + 2 ** -100);
  t.ok(Math.abs(tiny[1] - expect) < 1e-12, `${tiny[1]}`);
  t.ok(Number.isFinite(tiny[0]) && tiny[0] > 0 && tiny[0] < 1e-29);
  // zeros stay zero; T > 1 flattens
  const flat = applyTemperature(Float64Array.from([0.9, 0.1, 0]), 1e6);
  t.ok(Math.abs(flat[0] - 0.5) < 1e-5 && flat[2] === 0);
});

t.test('top-k keeps exactly the k most probable, ties by lower id', async (t) => {
  const p = Float64Array.from([0.1, 0.3, 0.2, 0.2, 0.2]);
  const k3 = applyTopK(Float64Array.from(p), 3);
  // ranking: 1 (0.3), then 2, 3, 4 tie at 0.2 → 2, 3 kept
  t.same(Array.from(k3).map((x) => +x.toFixed(12)), [0, 0.3 / 0.7, 0.2 / 0.7, 0.2 / 0.7, 0].map((x) => +x.toFixed(12)));
  t.same(Array.from(applyTopK(Float64Array.from(p), 1)), [0, 1, 0, 0, 0]);
  t.same(Array.from(applyTopK(Float64Array.from(p), 5)), Array.from(p), 'k >= support: unchanged');
  t.same(rankIds([0.2, 0, 0.5, 0.2, 0.1]), [2, 0, 3, 4]);
  // k counts only allowed ids: <s> masked first
  const d = samplingDistribution([0.1, 0.6, 0.2, 0.1], { bosId: 1, topK: 2 });
  t.same(Array.from(d).map((x) => +x.toFixed(12)), [1 / 3, 0, 2 / 3, 0].map((x) => +x.toFixed(12)));
});

t.test('top-p keeps the smallest most-probable set with mass >= p', async (t) => {
  const p = [0.05, 0.4, 0.3, 0.15, 0.1];
  const kept = (q: number) => Array.from(applyTopP(Float64Array.from(p), q)).map((x, i) => (x > 0 ? i : -1)).filter((i) => i >= 0);
  t.same(kept(0.3), [1], '0.4 >= 0.3');
  t.same(kept(0.4), [1], 'exactly reaching p is enough');
  t.same(kept(0.41), [1, 2]);
  t.same(kept(0.7), [1, 2], '0.4 + 0.3 = 0.7 (float sum 0.7000000000000001 or 0.7 both count)');
  t.same(kept(0.71), [1, 2, 3]);
  t.same(kept(0.95), [1, 2, 3, 4]);
  t.same(kept(0.96), [0, 1, 2, 3, 4]);
  t.same(kept(1), [0, 1, 2, 3, 4]);
  const d = applyTopP(Float64Array.from(p), 0.71);
  t.ok(Math.abs(d[3] - 0.15 / 0.85) < 1e-12, 'renormalised');
  // ties at the boundary: lower id kept
  const tie = Array.from(applyTopP(Float64Array.from([0.25, 0.25, 0.25, 0.25]), 0.5));
  t.same(tie, [0.5, 0.5, 0, 0]);
  // temperature first, then top-k, then top-p
  const chain = samplingDistribution([0.5, 0.3, 0.2], { temperature: 0.5, topK: 2, topP: 0.7 });
  // T=0.5: [.25,.09,.04]/.38 → top-2: [.25,.09]/.34 = [.735, .265] → top-p .7: [1, 0]
  t.same(Array.from(chain), [1, 0, 0]);
  t.throws(() => checkSamplingOptions({ topP: 0 }));
  t.throws(() => checkSamplingOptions({ topK: 1.5 }));
  t.throws(() => checkSamplingOptions({ temperature: -1 }));
  t.same(Array.from(maskScores([1, 2, 3], { banIds: [2] })), [1, 2, 0]);
});

/** Chi-square statistic of observed counts vs expected probabilities. */
function chiSquare(counts: number[], probs: ArrayLike<number>, n: number): number {
  let chi = 0;
  for (let i = 0; i < counts.length; i++) {
    const e = probs[i] * n;
    if (e === 0) {
      if (counts[i] > 0) return Infinity;
      continue;
    }
    chi += (counts[i] - e) ** 2 / e;
  }
  return chi;
}

t.test('empirical frequencies match the sampling distribution (chi-square, fixed seed)', async (t) => {
  const scores = [0.02, 0.05, 0.1, 0.13, 0.2, 0.25, 0.05, 0.2]; // id 1 plays <s>
  const n = 20000;
  const cases: [string, Parameters<typeof sampleId>[1]][] = [
    ['plain', { bosId: 1 }],
    ['T=0.6', { bosId: 1, temperature: 0.6 }],
    ['T=2 top-k 5', { bosId: 1, temperature: 2, topK: 5 }],
    ['top-p 0.8', { bosId: 1, topP: 0.8 }],
  ];
  for (const [name, o] of cases) {
    const expected = samplingDistribution(scores, o);
    const support = Array.from(expected).filter((x) => x > 0).length;
    const rng = new Xoshiro128(12345);
    const counts = new Array(scores.length).fill(0);
    for (let i = 0; i < n; i++) counts[sampleId(scores, o, rng)]++;
    const chi = chiSquare(counts, expected, n);
    // 99.99% quantile of chi-square with up to 6 dof is about 27.9
    t.ok(chi < 27.9, `${name}: chi-square ${chi.toFixed(2)} over ${support} ids`);
    t.equal(counts[1], 0, `${name}: <s> never drawn`);
    // a wrong transform fails: the untransformed distribution is far off
    if (name !== 'plain') {
      const plain = samplingDistribution(scores, { bosId: 1 });
      t.ok(chiSquare(counts, plain, n) > 100, `${name}: differs from the plain distribution`);
    }
  }
});
