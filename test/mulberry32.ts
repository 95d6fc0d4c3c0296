import t from 'tap';
import { Mulberry32 } from '../src/mulberry32.js';
import { Rng } from '../src/train/rng.js';
import { NeuralRng } from '../src/neural/rng.js';

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

t.test('training and neural generators are the same class', async (t) => {
  t.equal(Rng, Mulberry32);
  t.equal(NeuralRng, Mulberry32);
  const s1 = NeuralRng.fromSeed(42, 0).next();
  const s2 = NeuralRng.fromSeed(42, 1).next();
  t.not(s1, s2, 'streams differ');
  t.equal(NeuralRng.fromSeed(42, 0).next(), s1, 'a stream is reproducible');
});

t.test('normal draws have mean 0 and variance 1', async (t) => {
  const r = new Mulberry32(3);
  let s = 0, ss = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) { const x = r.normal(); s += x; ss += x * x; }
  t.ok(Math.abs(s / n) < 0.03, `mean ${s / n}`);
  t.ok(Math.abs(ss / n - 1) < 0.04, `variance ${ss / n}`);
});
