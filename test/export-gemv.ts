// The matrix × vector kernels of the exported-model runtime: the wasm SIMD
// kernel (four rows at a time, rows and row count padded) and the plain-JS
// one against a float64 loop, on shapes that are not multiples of 4.
import t from 'tap';
import { jsGemv, wasmGemv } from '../src/export/gemv.js';
import { Mulberry32 } from '../src/util/random.js';

function naive(Wt: Float32Array, n: number, k: number, b: Float32Array, x: Float32Array): number[] {
  const y: number[] = [];
  for (let j = 0; j < n; j++) {
    let s = b[j];
    for (let i = 0; i < k; i++) s += Wt[j * k + i] * x[i];
    y.push(s);
  }
  return y;
}

t.test('wasm and JS products equal a float64 loop to float32 rounding, any shape', async (t) => {
  const wasm = wasmGemv();
  t.ok(wasm, 'Node has wasm SIMD');
  const rng = new Mulberry32(3);
  const r = (len: number) => Float32Array.from({ length: len }, () => rng.next() * 2 - 1);
  const shapes: [number, number][] = [[1, 1], [3, 5], [4, 4], [7, 9], [13, 37], [99, 256], [1024, 320]];
  // several matrices in one kernel's memory: each keeps its own weights
  const mats = shapes.map(([n, k]) => {
    const Wt = r(n * k), b = r(n);
    return { n, k, Wt, b, w: wasm!.matrix(Wt, n, k, b), j: jsGemv().matrix(Wt, n, k, b) };
  });
  for (let rep = 0; rep < 2; rep++) {
    for (const m of mats) {
      const x = r(m.k);
      const want = naive(m.Wt, m.n, m.k, m.b, x);
      for (const [name, f] of [['wasm', m.w], ['js', m.j]] as const) {
        const y = f(x);
        t.equal(y.length, m.n, `${name} ${m.n}×${m.k}: n outputs`);
        let worst = 0;
        for (let j = 0; j < m.n; j++) worst = Math.max(worst, Math.abs(y[j] - want[j]) / (1 + Math.abs(want[j])));
        t.ok(worst < 1e-5, `${name} ${m.n}×${m.k}: within float32 rounding (${worst.toExponential(2)})`);
      }
    }
  }
});
