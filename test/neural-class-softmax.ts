import t from 'tap';
import { classBoundsFromCounts, classOfIds, defaultClassCount } from '../src/neural/classes.js';
import { setMatmulImpl } from '../src/neural/linalg.js';
import { Param } from '../src/neural/params.js';
import { Mulberry32 } from '../src/util/random.js';
import { ClassSoftmax } from '../src/neural/softmax-class.js';
import { FullSoftmax } from '../src/neural/softmax-full.js';

setMatmulImpl('js');

t.test('frequency classes: contiguous id ranges of about equal mass', async (t) => {
  // total 10: class 0 closes once it holds 5
  t.same(Array.from(classBoundsFromCounts([4, 3, 2, 1], 4, 2)), [0, 2, 4]);
  // cut where the cumulative mass reaches k/C of the total (33.3, 66.7 of 100):
  // a frequent word fills a class alone; cumulative 50, 60, 70 → cuts at 1 and 3
  t.same(Array.from(classBoundsFromCounts([50, 10, 10, 10, 10, 10], 6, 3)), [0, 1, 3, 6]);
  // never more classes than ids, every class non-empty
  t.same(Array.from(classBoundsFromCounts([1, 1, 1], 3, 10)), [0, 1, 2, 3]);
  // no counts: a Zipf law over the id order; the last class gets the long tail
  const b = classBoundsFromCounts(undefined, 17905, defaultClassCount(17905));
  t.equal(b.length - 1, 134);
  t.equal(b[0], 0);
  t.equal(b[b.length - 1], 17905);
  const empty = Array.from(b.keys()).filter((i) => i > 0 && !(b[i] > b[i - 1]));
  t.same(empty, [], 'no class is empty');
  t.ok(b[1] <= 2, 'the top class holds one or two words');
  t.same(Array.from(classOfIds([0, 2, 4], 4)), [0, 0, 1, 1]);
  t.throws(() => classOfIds([0, 2, 2, 4], 4), /increase/);
  t.throws(() => classOfIds([0, 3], 4), /from 0 to 4/);
});

function layer(seed: number) {
  const V = 9;
  const D = 4;
  const W = new Param('out.W', [V, D], true);
  const r = new Mulberry32(seed);
  const cls = new ClassSoftmax(V, D, W, [0, 2, 3, 7, 9]);
  for (const p of cls.params) {
    for (let i = 0; i < p.size; i++) p.data[i] = r.uniform(-1, 1);
    p.changed();
  }
  return { cls, V, D, r };
}

t.test('class softmax: P(w) = P(c)·P(w|c) sums to 1 and matches the scored loss', async (t) => {
  const { cls, V, D, r } = layer(3);
  const h = Float32Array.from({ length: D }, () => r.uniform(-2, 2));
  const p = cls.probs(h);
  t.equal(p.length, V);
  let s = 0;
  for (const v of p) s += v;
  t.ok(Math.abs(s - 1) < 1e-5, `sum ${s}`);
  for (let y = 0; y < V; y++) {
    const { sumNats } = cls.run(h, 1, Int32Array.of(y), undefined, 0);
    t.ok(Math.abs(sumNats + Math.log(p[y])) < 1e-5, `word ${y}: −log P agrees`);
  }
  // by hand for word 2 (class 1 = {2} alone): P = P(class 1)
  const lc = [0, 1, 2, 3].map((c) => {
    let a = cls.bc.data[c];
    for (let d = 0; d < D; d++) a += h[d] * cls.Wc.data[c * D + d];
    return a;
  });
  const z = lc.reduce((a, b) => a + Math.exp(b), 0);
  t.ok(Math.abs(p[2] - Math.exp(lc[1]) / z) < 1e-6, 'singleton class: P(w) = P(c)');
});

t.test('full softmax sums to 1 and masked tokens do not count', async (t) => {
  const V = 7;
  const D = 3;
  const W = new Param('out.W', [V, D], true);
  const f = new FullSoftmax(V, D, W);
  const r = new Mulberry32(4);
  for (const p of f.params) for (let i = 0; i < p.size; i++) p.data[i] = r.uniform(-1, 1);
  W.changed();
  const h = Float32Array.from({ length: 2 * D }, () => r.uniform(-1, 1));
  const p0 = f.probs(h.subarray(0, D));
  t.ok(Math.abs(p0.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  const all = f.run(h, 2, Int32Array.of(1, 5), undefined, 0).sumNats;
  const first = f.run(h, 2, Int32Array.of(1, 5), Uint8Array.of(1, 0), 1).sumNats;
  t.ok(Math.abs(first + Math.log(p0[1])) < 1e-6);
  t.ok(all > first);
});
