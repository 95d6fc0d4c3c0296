import t from 'tap';
import { initBackend } from '../src/backend.js';
import type { Batch, NeuralConfig } from '../src/neural/api.js';
import { createModel, defaultConfig } from '../src/neural/index.js';
import type { BaseLM } from '../src/neural/model-base.js';
import { Mulberry32 } from '../src/util/random.js';

// the worker thread runs the compiled dist/ code (npm test builds first)
await initBackend(undefined, () => {});

const V = 50;
function batches(arch: string, seed: number): Batch[] {
  const r = new Mulberry32(seed);
  const id = () => Math.floor(r.next() * V);
  return Array.from({ length: 4 }, () =>
    arch === 'mlp'
      ? { kind: 'window' as const, B: 7, N: 2, context: Int32Array.from({ length: 14 }, id), next: Int32Array.from({ length: 7 }, id) }
      : { kind: 'seq' as const, B: 5, T: 6, x: Int32Array.from({ length: 30 }, id), y: Int32Array.from({ length: 30 }, id), reset: Uint8Array.from([0, 1, 0, 0, 1]), mask: Uint8Array.from({ length: 30 }, (_, i) => (i % 7 === 2 ? 0 : 1)) },
  );
}

async function losses(t: Tap.Test, cfg: NeuralConfig, threads: number, bs: Batch[]): Promise<{ train: number[]; evalNats: number }> {
  const m = (await createModel(cfg)) as unknown as BaseLM;
  await m.setThreads(threads);
  t.equal(m.threads, threads);
  const train: number[] = [];
  for (const b of bs) train.push((await m.trainStep(b)).loss);
  const evalNats = (await m.evaluate(bs[0])).sumNats;
  m.dispose();
  return { train, evalNats };
}

const cases: [string, Partial<NeuralConfig>][] = [
  ['lstm, 2 layers, full softmax, adamw + clipping', { arch: 'lstm', layers: 2, optimizer: 'adamw', l2: 0.01, clip: 0.5 }],
  ['mlp, direct, class softmax, momentum', { arch: 'mlp', order: 3, direct: true, softmax: 'class', optimizer: 'momentum', lr: 0.1 }],
];

for (const [name, partial] of cases) {
  t.test(`two threads train like one: ${name}`, async (t) => {
    const cfg = defaultConfig({ vocabSize: V, embed: 8, hidden: 16, seed: 3, ...partial });
    const bs = batches(cfg.arch, 1);
    const one = await losses(t, cfg, 1, bs);
    const two = await losses(t, cfg, 2, bs);
    const worst = Math.max(...one.train.map((v, i) => Math.abs(v - two.train[i])));
    t.ok(worst < 1e-5, `losses agree (worst difference ${worst.toExponential(2)})`);
    t.ok(Math.abs(one.evalNats - two.evalNats) < 1e-4, 'the shared weights and carried state are the same afterwards');
  });
}

t.test('two threads with dropout are reproducible', async (t) => {
  const cfg = defaultConfig({ arch: 'lstm', vocabSize: V, embed: 8, hidden: 16, dropout: 0.3, seed: 4 });
  const bs = batches('lstm', 2);
  t.same((await losses(t, cfg, 2, bs)).train, (await losses(t, cfg, 2, bs)).train);
});

t.test('setThreads keeps the carried state; loadModel(dir, {threads: 2}) continues the run', async (t) => {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const { loadModel } = await import('../src/neural/index.js');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lmstream-par-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const cfg = defaultConfig({ arch: 'lstm', vocabSize: V, embed: 8, hidden: 16, seed: 5 });
  const bs = batches('lstm', 3);
  const a = (await createModel(cfg)) as unknown as BaseLM;
  await a.trainStep(bs[0]);
  await a.save(dir);
  await a.setThreads(2);
  const la = (await a.trainStep(bs[1])).loss;
  const b = await loadModel(dir, { threads: 2 });
  t.equal(b.setThreads !== undefined, true);
  const lb = (await b.trainStep(bs[1])).loss;
  t.ok(Math.abs(la - lb) < 1e-6, `${la} vs ${lb}`);
  a.dispose();
  b.dispose();
});
