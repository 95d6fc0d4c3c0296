import t from 'tap';
import { initBackend, tf } from '../src/backend.js';
import type { NeuralConfig, SeqBatch } from '../src/neural/api.js';
import { createModel, defaultConfig } from '../src/neural/index.js';
import { setMatmulImpl } from '../src/neural/linalg.js';
import { RecurrentLM, type RecurrentGenState } from '../src/neural/recurrent.js';
import { Mulberry32 } from '../src/util/random.js';

await initBackend(undefined, () => {});

function batch(B: number, T: number, V: number, seed: number): SeqBatch {
  const r = new Mulberry32(seed);
  const ids = () => Int32Array.from({ length: B * T }, () => Math.floor(r.next() * V));
  return { kind: 'seq', B, T, x: ids(), y: ids(), reset: new Uint8Array(B) };
}

const cfg = (p: Partial<NeuralConfig> = {}) => defaultConfig({ vocabSize: 13, embed: 8, hidden: 12, layers: 2, initScale: 0.3, seed: 7, ...p });

t.test('tfjs products give the same loss and gradients as the float64 reference', async (t) => {
  for (const [arch, softmax] of [['lstm', 'full'], ['gru', 'full'], ['rnn', 'full'], ['lstm', 'class']] as const) {
    // 'tf' sends every product through the wasm matMul
    const c = cfg({ arch, vocabSize: 40, embed: 32, hidden: 48, softmax, classes: 6 });
    const b = batch(6, 9, 40, 1);
    setMatmulImpl('js');
    const a = new RecurrentLM(c);
    const la = a.computeGradients(b);
    setMatmulImpl('tf');
    const m = new RecurrentLM(c);
    const lb = m.computeGradients(b);
    setMatmulImpl('auto');
    t.ok(Math.abs(la - lb) < 1e-5, `${arch}: loss ${la} vs ${lb}`);
    let worst = 0;
    a.params.forEach((p, i) => {
      const q = m.params[i];
      let scale = 0;
      for (let k = 0; k < p.size; k++) scale = Math.max(scale, Math.abs(p.grad[k]));
      for (let k = 0; k < p.size; k++) worst = Math.max(worst, Math.abs(p.grad[k] - q.grad[k]) / (scale + 1e-12));
    });
    t.ok(worst < 1e-4, `${arch}: gradients agree (worst relative difference ${worst.toExponential(2)})`);
    a.dispose();
    m.dispose();
  }
});

t.test('state is carried across batches: two windows score like one long window', async (t) => {
  const m = (await createModel(cfg())) as RecurrentLM;
  const whole = batch(3, 8, 13, 2);
  const half = (k: number): SeqBatch => {
    const sel = (a: Int32Array) => Int32Array.from({ length: 12 }, (_, i) => a[Math.floor(i / 4) * 8 + k * 4 + (i % 4)]);
    return { kind: 'seq', B: 3, T: 4, x: sel(whole.x), y: sel(whole.y), reset: new Uint8Array(3) };
  };
  m.resetState();
  const all = await m.evaluate(whole);
  m.resetState();
  const a = await m.evaluate(half(0));
  const b = await m.evaluate(half(1));
  t.equal(a.tokens + b.tokens, all.tokens);
  t.ok(Math.abs(a.sumNats + b.sumNats - all.sumNats) < 1e-4, `${a.sumNats + b.sumNats} vs ${all.sumNats}`);
  // reset zeroes one lane only: lane 0 after reset scores like a fresh start
  m.resetState();
  const fresh = await m.evaluate({ ...half(1), B: 1, x: half(1).x.slice(0, 4), y: half(1).y.slice(0, 4), reset: new Uint8Array(1) });
  m.resetState();
  await m.evaluate(half(0));
  const r = await m.evaluate({ ...half(1), reset: Uint8Array.from([1, 0, 0]) });
  const m2 = (await createModel(cfg())) as RecurrentLM;
  const lane0 = await m2.evaluate({ ...half(1), B: 1, x: half(1).x.slice(0, 4), y: half(1).y.slice(0, 4), reset: new Uint8Array(1) });
  t.ok(Math.abs(fresh.sumNats - lane0.sumNats) < 1e-6, 'same model, same fresh lane');
  t.ok(r.sumNats > 0);
  // getCarriedState/setCarriedState: a second model continues exactly
  m.resetState();
  await m.evaluate(half(0));
  const carried = m.getCarriedState();
  t.equal(carried.length, 4, '2 layers × (h, c)');
  const m3 = (await createModel(cfg())) as RecurrentLM;
  m3.setCarriedState(carried);
  t.equal((await m3.evaluate(half(1))).sumNats, (await m.evaluate(half(1))).sumNats);
  t.throws(() => m3.setCarriedState(carried.slice(1)), /4/);
  m3.dispose();
  // masked positions do not count
  m.resetState();
  const masked = await m.evaluate({ ...whole, mask: Uint8Array.from({ length: 24 }, (_, i) => (i % 8 < 6 ? 1 : 0)) });
  t.equal(masked.tokens, 18);
  m.dispose();
  m2.dispose();
});

t.test('step() agrees with evaluate() and returns distributions', async (t) => {
  for (const arch of ['lstm', 'gru', 'rnn'] as const) {
    const m = (await createModel(cfg({ arch }))) as RecurrentLM;
    const b = batch(1, 10, 13, 3);
    m.resetState();
    const ev = await m.evaluate(b);
    let st = m.initialState() as RecurrentGenState;
    let sum = 0;
    for (let i = 0; i < 10; i++) {
      const r = m.step(st, b.x[i]);
      st = r.state;
      let tot = 0;
      for (const p of r.probs) tot += p;
      t.ok(Math.abs(tot - 1) < 1e-5, `${arch}: sums to 1`);
      sum -= Math.log(r.probs[b.y[i]]);
    }
    t.ok(Math.abs(sum - ev.sumNats) < 1e-4, `${arch}: ${sum} vs ${ev.sumNats}`);
    m.dispose();
  }
});

t.test('tensor count does not grow across training steps', async (t) => {
  setMatmulImpl('tf');
  const m = await createModel(cfg({ vocabSize: 50, embed: 32, hidden: 32, softmax: 'class' }));
  const b = batch(4, 6, 50, 4);
  const before = tf.memory().numTensors;
  const round = async () => {
    await m.trainStep(b);
    await m.evaluate(b);
    m.step(m.initialState(), 3);
  };
  await round();
  const n0 = tf.memory().numTensors;
  t.ok(n0 > before, 'weight tensors are cached');
  for (let i = 0; i < 5; i++) await round();
  t.equal(tf.memory().numTensors, n0);
  m.dispose();
  setMatmulImpl('auto');
  t.equal(tf.memory().numTensors, before, 'dispose releases the cached weight tensors');
});

t.test('tokenNats: per-position nats in the batch layout, summing to evaluate()', async (t) => {
  for (const softmax of ['full', 'class'] as const) {
    const m = (await createModel(cfg({ softmax, classes: 4 }))) as RecurrentLM;
    const b = { ...batch(2, 5, 13, 6), mask: Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 0, 1, 1]) };
    m.resetState();
    const nats = await m.tokenNats(b);
    m.resetState();
    const ev = await m.evaluate(b);
    t.ok(Math.abs(nats.reduce((a, v) => a + v, 0) - ev.sumNats) < 1e-4, `${softmax}: sums to evaluate()`);
    t.equal(nats[7], 0, 'masked position is 0');
    // lane 1, step by step
    let st = m.initialState() as RecurrentGenState;
    const byStep: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = m.step(st, b.x[5 + i]);
      st = r.state;
      byStep.push(-Math.log(r.probs[b.y[5 + i]]));
    }
    const lane1 = Array.from(nats.subarray(5));
    t.ok(lane1.every((v, i) => i === 2 || Math.abs(v - byStep[i]) < 1e-4), `${softmax}: lane-major, lane 1 = step(): ${lane1} vs ${byStep}`);
    m.dispose();
  }
});

t.test('bad batches are refused with a clear message', async (t) => {
  const m = await createModel(cfg());
  const b = batch(2, 3, 13, 1);
  await t.rejects(m.trainStep({ ...b, y: Int32Array.from([0, 1, 2, 3, 4, 13]) }), /y\[5\] = 13 is outside the vocabulary \(size 13\)/);
  await t.rejects(m.trainStep({ ...b, x: Int32Array.from([0, 1, -1, 3, 4, 5]) }), /token id -1 outside the vocabulary/);
  await t.rejects(m.trainStep({ ...b, reset: new Uint8Array(3) }), /reset must have B = 2/);
  await t.rejects(m.trainStep({ kind: 'window', B: 1, N: 2, context: Int32Array.of(1, 2), next: Int32Array.of(3) }), /sequence batches, got 'window'/);
  m.dispose();
});
