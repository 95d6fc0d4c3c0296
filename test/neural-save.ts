import t from 'tap';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initBackend, tf } from '../src/backend.js';
import type { NeuralConfig, SeqBatch, WindowBatch } from '../src/neural/api.js';
import { createModel, defaultConfig, loadModel } from '../src/neural/index.js';
import type { BaseLM } from '../src/neural/model-base.js';
import { Mulberry32 } from '../src/util/random.js';

await initBackend(undefined, () => {});

const V = 23;
function seq(seed: number): SeqBatch {
  const r = new Mulberry32(seed);
  const ids = () => Int32Array.from({ length: 3 * 5 }, () => Math.floor(r.next() * V));
  return { kind: 'seq', B: 3, T: 5, x: ids(), y: ids(), reset: new Uint8Array(3) };
}
function win(seed: number): WindowBatch {
  const r = new Mulberry32(seed);
  return { kind: 'window', B: 6, N: 2, context: Int32Array.from({ length: 12 }, () => Math.floor(r.next() * V)), next: Int32Array.from({ length: 6 }, () => Math.floor(r.next() * V)) };
}

const cases: [string, Partial<NeuralConfig>][] = [
  ['lstm, class softmax, dropout', { arch: 'lstm', layers: 2, softmax: 'class', dropout: 0.2 }],
  ['gru, tied, momentum', { arch: 'gru', embed: 8, hidden: 8, tie: true, optimizer: 'momentum', lr: 0.1 }],
  ['mlp, direct, rmsprop', { arch: 'mlp', order: 3, direct: true, optimizer: 'rmsprop' }],
];

for (const [name, partial] of cases) {
  t.test(`save → load: ${name}`, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lmstream-neural-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const cfg = defaultConfig({ vocabSize: V, embed: 6, hidden: 10, seed: 11, ...partial });
    const batch = (s: number) => (cfg.arch === 'mlp' ? win(s) : seq(s));
    const a = (await createModel(cfg, { unigramCounts: Array.from({ length: V }, (_, i) => V - i) })) as BaseLM;
    for (let i = 0; i < 3; i++) await a.trainStep(batch(i));
    a.learningRate = cfg.lr / 2;
    await a.save(dir);
    const b = (await loadModel(dir)) as BaseLM;
    t.same(b.config, a.config);
    t.equal(b.learningRate, cfg.lr / 2);
    // the carried state and the optimiser state come back too: the next training step is identical
    const la = await a.trainStep(batch(7));
    const lb = await b.trainStep(batch(7));
    t.equal(lb.loss, la.loss, 'same next training loss');
    a.resetState();
    b.resetState();
    const ea = await a.evaluate(batch(8));
    const eb = await b.evaluate(batch(8));
    t.equal(eb.sumNats, ea.sumNats, 'identical evaluate()');
    // weights.bin is readable by tf.io.decodeWeights with the manifest of model.json
    const mj = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    t.equal(mj.format, 'lmstream-neural');
    const bin = readFileSync(path.join(dir, mj.weightsManifest[0].paths[0]));
    const named = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), mj.weightsManifest[0].weights);
    const emb = named['embedding'];
    t.same(emb.shape, [V, cfg.embed]);
    await a.save(dir); // (after one more step) still consistent with the params
    const bin2 = readFileSync(path.join(dir, 'weights.bin'));
    const named2 = tf.io.decodeWeights(bin2.buffer.slice(bin2.byteOffset, bin2.byteOffset + bin2.byteLength), mj.weightsManifest[0].weights);
    t.same(Array.from(named2['embedding'].dataSync()), Array.from(a.params[0].data));
    for (const x of [...Object.values(named), ...Object.values(named2)]) x.dispose();
    a.dispose();
    b.dispose();
  });
}

t.test('loadModel names the missing or foreign file', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lmstream-neural-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await t.rejects(loadModel(dir), /model\.json: no such file/);
});

t.test('mlp tokenNats equal −log of step() probabilities', async (t) => {
  const m = await createModel(defaultConfig({ arch: 'mlp', vocabSize: V, order: 3, embed: 4, hidden: 6, softmax: 'class', classes: 5 }));
  const b = win(3);
  const nats = await m.tokenNats!(b);
  for (let i = 0; i < b.B; i++) {
    const st = { context: Int32Array.of(0, b.context[i * 2]) };
    const p = m.step(st, b.context[i * 2 + 1]).probs;
    t.ok(Math.abs(nats[i] + Math.log(p[b.next[i]])) < 1e-5, `window ${i}`);
  }
  m.dispose();
});
