import t from 'tap';
import type { NeuralConfig, WindowBatch } from '../src/neural/api.js';
import { defaultConfig } from '../src/neural/index.js';
import { setMatmulImpl } from '../src/neural/linalg.js';
import { MlpLM } from '../src/neural/mlp.js';
import type { Param } from '../src/neural/params.js';
import { RecurrentLM } from '../src/neural/recurrent.js';
import { Mulberry32 } from '../src/util/random.js';
import { checkRecurrent as helperCheck, close, gradCheck, seqBatch as helperSeqBatch } from './helpers/neural-gradcheck.js';

// reference products (float64 sums) so that finite differences are tight
setMatmulImpl('js');

const V = 11;

const seqBatch = (B: number, T: number, seed: number, withMask: boolean) => helperSeqBatch(V, B, T, seed, withMask);
const checkRecurrent = (t: Tap.Test, partial: Partial<NeuralConfig>, extras = {}) => helperCheck(t, V, partial, extras);

t.test('lstm, 2 layers, reset + mask, full softmax', async (t) => checkRecurrent(t, { arch: 'lstm' }));
t.test('gru, 2 layers, full softmax', async (t) => checkRecurrent(t, { arch: 'gru' }));
t.test('rnn, 2 layers, full softmax', async (t) => checkRecurrent(t, { arch: 'rnn' }));
t.test('lstm, class softmax', async (t) => checkRecurrent(t, { arch: 'lstm', layers: 1, softmax: 'class', classes: 3 }, { unigramCounts: [0, 0, 0, 9, 7, 5, 4, 3, 2, 2, 1] }));
t.test('gru, tied weights, class softmax', async (t) => checkRecurrent(t, { arch: 'gru', layers: 1, embed: 6, tie: true, softmax: 'class', classes: 4 }));

function checkMlp(t: Tap.Test, partial: Partial<NeuralConfig>) {
  const cfg = defaultConfig({ arch: 'mlp', vocabSize: V, order: 4, embed: 3, hidden: 5, initScale: 0.5, seed: 4, ...partial });
  const m = new MlpLM(cfg);
  const r = new Mulberry32(9);
  const B = 6;
  const context = Int32Array.from({ length: B * 3 }, () => Math.floor(r.next() * V));
  context[4] = context[0];
  const batch: WindowBatch = { kind: 'window', B, N: 3, context, next: Int32Array.from({ length: B }, () => Math.floor(r.next() * V)) };
  m.computeGradients(batch);
  const grads = new Map<Param, Float32Array>(m.params.map((p) => [p, Float32Array.from(p.grad)]));
  const loss = () => {
    const v = m.evaluateSync(batch);
    return v.sumNats / v.tokens;
  };
  const res = gradCheck(m.params, grads, loss);
  t.same(res.filter((x) => !close(x.analytic, x.numeric)), [], `${res.length} checks agree`);
  t.ok(res.some((x) => Math.abs(x.analytic) > 1e-2), 'gradients are not trivially zero');
}

t.test('mlp with direct connections, full softmax', async (t) => checkMlp(t, { direct: true }));
t.test('mlp, class softmax', async (t) => checkMlp(t, { softmax: 'class', classes: 3 }));
t.test('mlp with direct connections, class softmax', async (t) => checkMlp(t, { direct: true, softmax: 'class' }));

t.test('an sgd step follows the gradient of the L2-regularised objective (dropout off)', async (t) => {
  const l2 = 0.3;
  const lr = 1e-3;
  const cfg = defaultConfig({ arch: 'lstm', vocabSize: V, embed: 4, hidden: 5, initScale: 0.5, seed: 8, optimizer: 'sgd', lr, l2 });
  const m = new RecurrentLM(cfg);
  const batch = seqBatch(2, 3, 12, false);
  const before = m.params.map((p) => Float32Array.from(p.data));
  await m.trainStep(batch);
  m.syncWeights(); // the L2 decay of the rows the step did not touch (row-sparse SGD)
  // effective gradient = −Δw / lr
  const grads = new Map<Param, Float32Array>(m.params.map((p, i) => [p, Float32Array.from(p.data, (w, k) => (before[i][k] - w) / lr)]));
  m.params.forEach((p, i) => {
    p.data.set(before[i]);
    p.changed();
  });
  const objective = () => {
    m.resetState();
    const r = m.evaluateSync(batch);
    let reg = 0;
    for (const p of m.params) if (p.decay) for (const w of p.data) reg += w * w;
    return r.sumNats / r.tokens + (l2 / 2) * reg;
  };
  const res = gradCheck(m.params, grads, objective, 1e-2, 2);
  t.same(res.filter((r) => !close(r.analytic, r.numeric, 2e-2, 1e-3)), [], `${res.length} checks agree`);
  const b = m.params.find((p) => p.name === 'layer0.b')!;
  t.notOk(b.decay, 'biases are not decayed');
});
