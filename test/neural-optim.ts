import t from 'tap';
import type { OptimizerName } from '../src/neural/api.js';
import { Optimizer } from '../src/neural/optim.js';
import { Param } from '../src/neural/params.js';

function setup(name: OptimizerName, lr: number, l2 = 0, clip = 0) {
  const w = new Param('w', [2], true);
  const b = new Param('b', [1], false);
  w.data.set([1, -2]);
  b.data.set([0.5]);
  const opt = new Optimizer(name, [w, b], lr, l2, clip);
  const grad = (gw: number[], gb: number) => {
    w.grad.set(gw);
    b.grad.set([gb]);
  };
  return { w, b, opt, grad };
}

const near = (t: Tap.Test, a: ArrayLike<number>, b: number[], msg: string) =>
  t.ok(b.every((v, i) => Math.abs(a[i] - v) < 1e-6), `${msg}: ${Array.from(a)} vs ${b}`);

t.test('sgd with L2 on weights only', async (t) => {
  const { w, b, opt, grad } = setup('sgd', 0.1, 0.01);
  grad([0.5, 1], 2);
  opt.step();
  near(t, w.data, [1 - 0.1 * (0.5 + 0.01 * 1), -2 - 0.1 * (1 + 0.01 * -2)], 'weights');
  near(t, b.data, [0.5 - 0.1 * 2], 'bias not decayed');
});

t.test('momentum accumulates', async (t) => {
  const { w, opt, grad } = setup('momentum', 0.1);
  grad([1, 0], 0);
  opt.step();
  opt.step(); // same gradient: v = 1, then 0.9 + 1
  near(t, w.data, [1 - 0.1 * 1 - 0.1 * 1.9, -2], 'two steps');
});

t.test('adam: bias-corrected moments', async (t) => {
  const { w, b, opt, grad } = setup('adam', 0.01);
  grad([0.5, -3], 0);
  opt.step();
  // first step: m̂ = g, v̂ = g², update = lr · g / (|g| + eps)
  near(t, w.data, [1 - 0.01, -2 + 0.01], 'step 1');
  near(t, b.data, [0.5], 'zero gradient, no move');
  grad([1, -3], 0);
  opt.step();
  const m = 0.9 * 0.05 + 0.1 * 1;
  const v = 0.999 * 0.00025 + 0.001 * 1;
  const mh = m / (1 - 0.81);
  const vh = v / (1 - 0.999 * 0.999);
  near(t, w.data.subarray(0, 1), [0.99 - (0.01 * mh) / (Math.sqrt(vh) + 1e-8)], 'step 2 by hand');
});

t.test('adamw decays decoupled from the gradient; adam couples L2', async (t) => {
  const a = setup('adamw', 0.01, 0.1);
  a.grad([0.5, -3], 1);
  a.opt.step();
  near(t, a.w.data, [1 * (1 - 0.001) - 0.01, -2 * (1 - 0.001) + 0.01], 'adamw weights');
  near(t, a.b.data, [0.5 - 0.01], 'adamw bias not decayed');
  const c = setup('adam', 0.01, 0.1);
  c.grad([0.5, -3], 1);
  c.opt.step();
  near(t, c.w.data, [1 - 0.01, -2 + 0.01], 'coupled L2 on a first adam step only changes g, not the sign');
});

t.test('rmsprop and adagrad', async (t) => {
  const r = setup('rmsprop', 0.01);
  r.grad([2, 0], 0);
  r.opt.step();
  near(t, r.w.data, [1 - (0.01 * 2) / (Math.sqrt(0.01 * 4) + 1e-8), -2], 'rmsprop');
  const g = setup('adagrad', 0.1);
  g.grad([2, 0], 0);
  g.opt.step();
  g.opt.step();
  near(t, g.w.data, [1 - 0.1 * 2 / 2 - (0.1 * 2) / Math.sqrt(8), -2], 'adagrad two steps');
});

t.test('gradient-norm clipping and the learning rate', async (t) => {
  const { w, b, opt, grad } = setup('sgd', 1, 0, 1);
  grad([3, 0], 4); // norm 5 → scaled to 1
  const n = opt.step();
  t.equal(n, 5);
  near(t, w.data, [1 - 0.6, -2], 'clipped weights');
  near(t, b.data, [0.5 - 0.8], 'clipped bias');
  opt.lr = 0.5;
  grad([0.3, 0], 0.4); // norm 0.5 < 1: not clipped
  opt.step();
  near(t, w.data, [0.4 - 0.15, -2], 'new learning rate, unclipped');
});

t.test('state export and import continue identically', async (t) => {
  const a = setup('adam', 0.01);
  a.grad([0.5, -3], 1);
  a.opt.step();
  const b = setup('adam', 0.01);
  b.w.data.set(a.w.data);
  b.b.data.set(a.b.data);
  b.opt.importState(a.opt.exportState());
  a.grad([0.1, 0.2], -1);
  b.grad([0.1, 0.2], -1);
  a.opt.step();
  b.opt.step();
  t.same(Array.from(b.w.data), Array.from(a.w.data));
  t.throws(() => setup('sgd', 1).opt.importState(a.opt.exportState()), /adam/);
});

t.test('defaultConfig fills in defaults, keeps given values, and names bad fields', async (t) => {
  const { defaultConfig } = await import('../src/neural/index.js');
  const c = defaultConfig({ vocabSize: 10, arch: 'mlp', lr: undefined, hidden: 7 });
  t.equal(c.lr, 0.001);
  t.equal(c.hidden, 7);
  t.equal(c.embed, 30);
  t.equal(c.order, 5);
  t.equal(defaultConfig({ vocabSize: 10 }).arch, 'lstm');
  t.throws(() => defaultConfig({ vocabSize: 10, dropout: 1 }), /config\.dropout must be in \[0, 1\)/);
  t.throws(() => defaultConfig({ vocabSize: 10, embed: 8, hidden: 16, tie: true }), /config\.tie needs embed \(8\) equal to hidden \(16\)/);
  t.throws(() => defaultConfig({ vocabSize: 10, optimizer: 'lbfgs' as never }), /config\.optimizer must be one of/);
});
