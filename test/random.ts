import t from 'tap';
import { Mulberry32, Xoshiro128, deriveSeed, epochSeed, hash32, hashUniform, tableEpochSeed } from '../src/util/random.js';

t.test('mulberry32 reproduces the reference sequence and resumes from its state', async (t) => {
  // first outputs for seed 1 of the reference mulberry32 (as in shared/bench/make-synth-corpus.mjs), as uint32
  const r = new Mulberry32(1);
  t.same([r.next(), r.next(), r.next()].map((x) => x * 4294967296), [2693262067, 11749833, 2265367787]);
  const saved = r.state;
  const a = [r.next(), r.next()];
  const resumed = new Mulberry32(saved);
  t.same([resumed.next(), resumed.next()], a);
  t.equal(new Mulberry32(5).int(10), Math.floor(new Mulberry32(5).next() * 10));
});

// Values of the four RNG files this module replaced (src/mulberry32.ts, src/train/rng.ts,
// src/train/batches.ts shuffleSeed, src/generate/rng.ts): saved checkpoints and id caches replay them.
t.test('seed derivation and stateless draws are those of checkpoint format 1', async (t) => {
  t.same([Mulberry32.fromSeed(42, 1).state, Mulberry32.fromSeed(1, 7).state, Mulberry32.fromSeed(-3, 8).state], [3549116748, 1522731872, 3139639782]);
  t.equal(deriveSeed(42, 1), 3549116748);
  t.not(Mulberry32.fromSeed(42, 0).next(), Mulberry32.fromSeed(42, 1).next(), 'streams differ');
  t.same([hashUniform(1, 0), hashUniform(7, 123456789012)], [0.42703575268387794, 0.4909965714905411]);
  t.same([epochSeed(1, 1), epochSeed(3, 2)], [857305552, 773006417]);
  // the Table 1 reproduction's published order (its MLP trajectories)
  t.same([tableEpochSeed(1, 1), tableEpochSeed(1, 10), tableEpochSeed(3, 2)], [1000003, 1000012, 3000010]);
  t.equal(hash32(1, 0) / 4294967296, hashUniform(1, 0));
  t.equal(new Xoshiro128(42).nextUint32(), 2837322924);
  t.same(new Xoshiro128(2 ** 40 + 5).getState(), [1118667598, 2522641087, 3149222677, 4007873583]);
});

t.test('normal draws have mean 0 and variance 1', async (t) => {
  const r = new Mulberry32(3);
  let s = 0, ss = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) { const x = r.normal(); s += x; ss += x * x; }
  t.ok(Math.abs(s / n) < 0.03, `mean ${s / n}`);
  t.ok(Math.abs(ss / n - 1) < 0.04, `variance ${ss / n}`);
});
