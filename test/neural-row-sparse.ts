// Row-sparse SGD (optim.ts + RowSparse in params.ts): only the rows a step's
// gradient touched are updated, the L2 decay of the others is deferred; the
// weights read, the losses and the saved files are those of the dense update.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { initBackend } from '../src/backend.js';
import type { Batch, NeuralConfig } from '../src/neural/api.js';
import { createModel, defaultConfig, loadModel } from '../src/neural/index.js';
import type { BaseLM } from '../src/neural/model-base.js';
import { getMatmulImpl, setMatmulImpl } from '../src/neural/linalg.js';
import { Optimizer } from '../src/neural/optim.js';
import { Param } from '../src/neural/params.js';
import { Mulberry32 } from '../src/util/random.js';

await initBackend(undefined, () => {});

const near = (t: Tap.Test, a: ArrayLike<number>, b: ArrayLike<number>, msg: string, tol = 1e-6) => {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  t.ok(a.length === b.length && worst <= tol, `${msg} (worst difference ${worst.toExponential(2)})`);
};

t.test('by hand: touched rows get the SGD step, the others their decay later', async (t) => {
  const w = new Param('E', [3, 2], true);
  w.rowwise = true;
  const init = [1, 2, -1, 0.5, 3, -4];
  w.data.set(init);
  const opt = new Optimizer('sgd', [w], 0.1, 0.5, 0);
  opt.setRowSparse(true);
  t.ok(opt.rowSparse && w.sparse, 'rowwise matrix of plain SGD is row-sparse');
  const f1 = 1 - 0.1 * 0.5;
  // step 1: gradient on row 1 only
  opt.zeroGrad();
  w.touchIds([1]);
  w.grad.set([0.2, -0.4], 2);
  opt.step();
  near(t, w.data, [1, 2, f1 * -1 - 0.1 * 0.2, f1 * 0.5 + 0.1 * 0.4, 3, -4], 'step 1: only row 1 moved in memory');
  t.equal(w.sparse!.count, 1, 'one row touched');
  // step 2 at another learning rate: gradient on row 2
  opt.lr = 0.2;
  const f2 = 1 - 0.2 * 0.5;
  opt.zeroGrad();
  t.same(Array.from(w.grad), [0, 0, 0, 0, 0, 0], 'zeroGrad cleared the touched row');
  w.freshIds([2]);
  near(t, w.data.subarray(4), [3 * f1, -4 * f1], 'a row read is brought up to date first');
  w.touchRows(2, 3);
  w.grad.set([1, 1], 4);
  opt.step();
  near(t, w.data.subarray(4), [3 * f1 * f2 - 0.2, -4 * f1 * f2 - 0.2], 'row 2 after step 2');
  near(t, w.data.subarray(0, 2), [1, 2], 'row 0 is still lagging in memory');
  w.freshAll();
  near(t, w.data, [
    1 * f1 * f2, 2 * f1 * f2,
    (f1 * -1 - 0.02) * f2, (f1 * 0.5 + 0.04) * f2,
    3 * f1 * f2 - 0.2, -4 * f1 * f2 - 0.2,
  ], 'after freshAll every row is what the dense update gives');
  t.same([w.sparse!.now, w.sparse!.lagging], [0, false], 'the decay clock restarts at 0');
  // the same two steps dense
  const d = new Param('E', [3, 2], true);
  d.data.set(init);
  const dense = new Optimizer('sgd', [d], 0.1, 0.5, 0);
  d.grad.set([0, 0, 0.2, -0.4, 0, 0]);
  dense.step();
  dense.lr = 0.2;
  d.grad.set([0, 0, 0, 0, 1, 1]);
  dense.step();
  near(t, w.data, d.data, 'equal to the dense optimizer');
});

t.test('only plain SGD and rowwise params are row-sparse; turning it off applies the decay', async (t) => {
  const a = new Param('a', [2, 2], true);
  const b = new Param('b', [2, 2], true);
  a.rowwise = true;
  const mom = new Optimizer('momentum', [a], 0.1, 0.1, 0);
  mom.setRowSparse(true);
  t.notOk(a.sparse, 'momentum has no exact row-sparse form');
  const sgd = new Optimizer('sgd', [a, b], 0.1, 0.1, 0);
  sgd.setRowSparse(true);
  t.ok(a.sparse, 'rowwise: sparse');
  t.notOk(b.sparse, 'not rowwise: dense');
  a.data.set([1, 1, 1, 1]);
  sgd.zeroGrad();
  sgd.step();
  sgd.step();
  near(t, a.data, [1, 1, 1, 1], 'no row touched: nothing written');
  sgd.setRowSparse(false);
  t.notOk(a.sparse, 'off');
  near(t, a.data, [0.99 ** 2, 0.99 ** 2, 0.99 ** 2, 0.99 ** 2], 'the deferred decay applied when turned off');
});

const V = 40;
function batches(arch: string, seed: number, n = 6): Batch[] {
  const r = new Mulberry32(seed);
  // skewed ids: frequent words in small classes, a long tail the batches rarely reach
  const id = () => Math.min(V - 1, Math.floor(Math.exp(r.next() * Math.log(V))));
  return Array.from({ length: n }, () =>
    arch === 'mlp'
      ? { kind: 'window' as const, B: 6, N: 3, context: Int32Array.from({ length: 18 }, id), next: Int32Array.from({ length: 6 }, id) }
      : { kind: 'seq' as const, B: 3, T: 4, x: Int32Array.from({ length: 12 }, id), y: Int32Array.from({ length: 12 }, id), reset: Uint8Array.from([0, 1, 0]) },
  );
}

async function train(cfg: NeuralConfig, sparse: boolean, bs: Batch[]) {
  const counts = Array.from({ length: V }, (_, i) => Math.round(1000 / (i + 1)));
  const m = (await createModel(cfg, { unigramCounts: counts })) as unknown as BaseLM;
  if (!sparse) m.optimizer.setRowSparse(false);
  const losses: number[] = [];
  const norms: number[] = [];
  const touched: number[] = [];
  const outGradRows: number[] = [];
  const out = m.params.find((p) => p.name === 'out.W') ?? m.params.find((p) => p.name === 'embedding'); // tied: the embedding
  for (const b of bs) {
    losses.push((await m.trainStep(b)).loss);
    if (cfg.clip > 0) norms.push(m.optimizer.gradNorm());
    const emb = m.params.find((p) => p.name === 'embedding')!;
    touched.push(emb.sparse ? emb.sparse.count : emb.rows);
    if (out?.sparse) outGradRows.push(out.sparse.count);
  }
  m.resetState();
  const evalNats = (await m.evaluate(bs[0])).sumNats;
  m.syncWeights();
  return { m, losses, norms, touched, outGradRows, evalNats, weights: m.params.map((p) => Float32Array.from(p.data)) };
}

// [name, config, row-sparse, the class softmax applies its rows' step in place (fused)]
const cases: [string, Partial<NeuralConfig>, boolean, boolean][] = [
  ['mlp, direct connections, class softmax', { arch: 'mlp', order: 4, direct: true, softmax: 'class', classes: 5 }, true, true],
  ['mlp, class softmax, clipping (not fused)', { arch: 'mlp', order: 4, softmax: 'class', classes: 5, clip: 0.5 }, true, false],
  ['mlp, full softmax (embedding rows only)', { arch: 'mlp', order: 4 }, true, false],
  ['lstm, tied, class softmax, clipping', { arch: 'lstm', tie: true, embed: 6, hidden: 6, softmax: 'class', classes: 14, clip: 0.5 }, true, false],
  ['gru, class softmax', { arch: 'gru', softmax: 'class', classes: 6 }, true, true],
  ['rnn, tied, full softmax (dense: every row has a gradient)', { arch: 'rnn', tie: true, embed: 6, hidden: 6 }, false, false],
];

for (const [name, partial, sparse, fused] of cases) {
  t.test(`row-sparse SGD trains like dense SGD: ${name}`, async (t) => {
    const cfg = defaultConfig({ vocabSize: V, embed: 5, hidden: 7, seed: 4, optimizer: 'sgd', lr: 0.5, l2: 0.05, initScale: 0.3, ...partial });
    const bs = batches(cfg.arch, 2);
    const a = await train(cfg, true, bs);
    const b = await train(cfg, false, bs);
    t.equal(a.m.optimizer.rowSparse, sparse, sparse ? 'row-sparse' : 'dense');
    if (sparse) t.ok(a.touched.every((n) => n < V), `each step touched fewer than ${V} embedding rows (${a.touched})`);
    if (partial.softmax === 'class') {
      t.equal(a.outGradRows.every((n) => n === 0), fused, fused ? 'out.W rows updated in place, no gradient rows written' : `out.W gradient rows written (${a.outGradRows})`);
    }
    near(t, a.losses, b.losses, 'the same loss at every step', 1e-5);
    if (cfg.clip > 0) near(t, a.norms, b.norms, 'the same gradient norms (clipping)', 1e-5);
    t.ok(Math.abs(a.evalNats - b.evalNats) < 1e-4, `the same evaluation (${a.evalNats} vs ${b.evalNats})`);
    a.weights.forEach((w, i) => near(t, w, b.weights[i], `weights ${a.m.params[i].name}`, 1e-5));
    a.m.dispose();
    b.m.dispose();
  });
}

t.test('the fused class-softmax step without the native kernels (pure JS products)', async (t) => {
  const before = getMatmulImpl();
  setMatmulImpl('js');
  t.teardown(() => setMatmulImpl(before));
  const cfg = defaultConfig({ vocabSize: V, arch: 'mlp', order: 4, embed: 5, hidden: 7, direct: true, softmax: 'class', classes: 5, seed: 4, optimizer: 'sgd', lr: 0.5, l2: 0.05, initScale: 0.3 });
  const bs = batches('mlp', 3);
  const a = await train(cfg, true, bs);
  const b = await train(cfg, false, bs);
  t.ok(a.outGradRows.every((n) => n === 0), 'fused');
  near(t, a.losses, b.losses, 'the same loss at every step', 1e-5);
  a.weights.forEach((w, i) => near(t, w, b.weights[i], `weights ${a.m.params[i].name}`, 1e-5));
  a.m.dispose();
  b.m.dispose();
});

t.test('save applies the deferred decay: a saved row-sparse model loads as the dense one', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lmstream-rowsparse-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = defaultConfig({ vocabSize: V, arch: 'mlp', order: 3, embed: 4, hidden: 6, direct: true, softmax: 'class', classes: 4, seed: 9, optimizer: 'sgd', lr: 0.4, l2: 0.1 });
  const counts = Array.from({ length: V }, (_, i) => Math.round(1000 / (i + 1)));
  const bs = batches('mlp', 5, 4).map((b) => (b.kind === 'window' ? { ...b, N: 2, context: b.context.subarray(0, 12) } : b));
  const sp = (await createModel(cfg, { unigramCounts: counts })) as unknown as BaseLM;
  const de = (await createModel(cfg, { unigramCounts: counts })) as unknown as BaseLM;
  de.optimizer.setRowSparse(false);
  for (const b of bs) {
    await sp.trainStep(b);
    await de.trainStep(b);
  }
  await sp.save(dir);
  const loaded = (await loadModel(dir)) as unknown as BaseLM;
  t.ok(loaded.optimizer.rowSparse, 'the loaded model trains row-sparse too');
  loaded.params.forEach((p, i) => near(t, p.data, de.params[i].data, `saved ${p.name}`, 1e-6));
  // one more step each from there: still the same
  await loaded.trainStep(bs[0]);
  await de.trainStep(bs[0]);
  loaded.syncWeights();
  loaded.params.forEach((p, i) => near(t, p.data, de.params[i].data, `after another step: ${p.name}`, 1e-6));
  for (const m of [sp, de, loaded]) m.dispose();
});
