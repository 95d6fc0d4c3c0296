/**
 * The optional native addon (src/native, src/neural/native.ts): its sgemm
 * against a naive float64 triple loop (transposes, odd sizes, alpha/beta,
 * subarrays, shared memory), the builtin C kernel (LMSTREAM_BLAS=builtin, in a
 * child process), the fused Adam and LSTM gate kernels against the
 * JavaScript paths, and finite-difference gradient checks with the native
 * products selected. When the addon is not built, the fallback must be
 * reported and the wasm/JS products must still equal the naive loop.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { initBackend } from '../src/backend.js';
import type { NeuralConfig, WindowBatch } from '../src/neural/api.js';
import { defaultConfig } from '../src/neural/index.js';
import { getMatmulImpl, Mat, matmul, matmulArrT, matmulDescription, matmulTN, nativeKernels, setMatmulImpl } from '../src/neural/linalg.js';
import { MlpLM } from '../src/neural/mlp.js';
import { addonCandidates, cpuMismatch, cpuSignature, nativeStatus, resolveNative } from '../src/neural/native.js';
import { Optimizer } from '../src/neural/optim.js';
import { Param } from '../src/neural/params.js';
import { RecurrentLM } from '../src/neural/recurrent.js';
import { Mulberry32 } from '../src/util/random.js';
import { checkRecurrent as helperCheck, close, gradCheck, seqBatch as helperSeqBatch } from './helpers/neural-gradcheck.js';

await initBackend(undefined, () => {});

const st = nativeStatus();
const built = !!st.addon;

function rand(n: number, rng: Mulberry32): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** C = alpha·op(A)·op(B) + beta·C0 in float64 */
function naive(ta: boolean, tb: boolean, M: number, N: number, K: number, alpha: number, A: Float32Array, B: Float32Array, beta: number, C0: Float32Array): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += (ta ? A[p * M + i] : A[i * K + p]) * (tb ? B[j * K + p] : B[p * N + j]);
      out[i * N + j] = alpha * s + beta * C0[i * N + j];
    }
  return out;
}

/** worst |x − y| / (max |y| + tiny) */
function relErr(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < y.length; i++) scale = Math.max(scale, Math.abs(y[i]));
  for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst / (scale + 1e-30);
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [4, 32, 16], [5, 33, 17], [17, 1, 9], [1, 40, 3], [37, 71, 263], [64, 96, 256], [130, 513, 300], [7, 3, 0],
];

t.test('the choice of matmul is reported', async (t) => {
  t.equal(matmulDescription(), st.description);
  if (built) {
    t.match(st.description, /^native \((openblas|blis|mkl|atlas|builtin)/, st.description);
    t.equal(st.reason, '');
    t.ok(['openblas', 'blis', 'mkl', 'atlas', 'builtin'].includes(st.addon!.info().sgemm));
  } else {
    t.match(st.description, /^wasm \(/, st.description);
    t.ok(st.reason.length > 0, `reason: ${st.reason}`);
    t.throws(() => setMatmulImpl('native'), /native matmul unavailable/);
    t.equal(getMatmulImpl(), 'auto', 'the setting is unchanged after the refusal');
    t.equal(nativeKernels(), undefined);
  }
  t.ok(addonCandidates().some((f) => f.endsWith('src/native/build/Release/lmstream_native.node')));
  // the build records the CPU it compiled for (-march=native); a loaded addon matches this one
  t.match(cpuSignature(), new RegExp(`^${process.arch} `));
  t.ok(cpuSignature().includes(os.cpus()[0]?.model ?? ''), 'names the CPU model');
  const rec = addonCandidates().map((f) => f.replace(/\.node$/, '.cpu')).find((f) => existsSync(f));
  if (built && rec) t.equal(readFileSync(rec, 'utf8').trim(), cpuSignature(), 'built for this CPU');
});

t.test('an addon recorded for another CPU is refused, one for this CPU is accepted', async (t) => {
  const dir = t.testdir({
    'same.node': '', 'same.cpu': cpuSignature() + '\n',
    'other.node': '', 'other.cpu': cpuSignature().replace(/ \S+$/, ' no_such_flag') + '\n',
    'norecord.node': '',
  });
  t.equal(cpuMismatch(path.join(dir, 'same.node')), '');
  t.equal(cpuMismatch(path.join(dir, 'other.node')), 'native addon built for another CPU: rebuild with `node src/native/build.mjs`');
  t.equal(cpuMismatch(path.join(dir, 'norecord.node')), '', 'nothing recorded: nothing to compare');
});

t.test('LMSTREAM_MATMUL selects the path', async (t) => {
  t.same(resolveNative({ LMSTREAM_MATMUL: 'wasm' }), { addon: undefined, requested: 'wasm', reason: 'LMSTREAM_MATMUL=wasm', description: 'wasm (LMSTREAM_MATMUL=wasm)' });
  t.throws(() => resolveNative({ LMSTREAM_MATMUL: 'gpu' }), /LMSTREAM_MATMUL must be wasm, native or auto, got 'gpu'/);
  let forced: ReturnType<typeof resolveNative> | Error;
  try {
    forced = resolveNative({ LMSTREAM_MATMUL: 'native' });
  } catch (e) {
    forced = e as Error;
  }
  if (forced instanceof Error) {
    t.match(forced.message, /^LMSTREAM_MATMUL=native but the native addon (not built|failed to load)/);
    t.notOk(built, 'not loadable, so not in use');
  } else {
    t.match(forced.description, /^native \(/);
    if (built) t.equal(forced.addon, st.addon, 'native: the same addon');
  }
  t.equal(resolveNative(process.env).description, st.description, 'the environment decides');
  if (!process.env.LMSTREAM_MATMUL) t.equal(resolveNative({ LMSTREAM_MATMUL: 'auto' }).description, st.description, 'unset = auto');
});

if (built) {
  const nat = st.addon!;

  t.test('native sgemm equals the naive loop (all transposes, odd sizes, alpha, beta)', async (t) => {
    const rng = new Mulberry32(11);
    for (const [M, N, K] of SHAPES)
      for (const ta of [false, true])
        for (const tb of [false, true]) {
          const A = rand(M * K, rng);
          const B = rand(K * N, rng);
          const C0 = rand(M * N, rng);
          for (const [alpha, beta] of [[1, 0], [0.5, 1], [-2, 0.25]]) {
            const C = Float32Array.from(C0);
            nat.sgemm(ta, tb, M, N, K, alpha, A, B, beta, C);
            const e = relErr(C, naive(ta, tb, M, N, K, alpha, A, B, beta, C0));
            if (!(e < 1e-4)) t.fail(`${M}x${N}x${K} ta=${ta} tb=${tb} alpha=${alpha} beta=${beta}: relative error ${e}`);
          }
        }
    t.pass('all shapes agree to 1e-4');
  });

  t.test('native sgemm reads subarrays and shared memory, and checks sizes', async (t) => {
    const rng = new Mulberry32(12);
    const M = 6, N = 10, K = 5;
    const bigA = rand(M * K + 13, rng);
    const A = bigA.subarray(13);
    const B = new Float32Array(new SharedArrayBuffer(K * N * 4));
    B.set(rand(K * N, rng));
    const Cbig = new Float32Array(M * N + 3).fill(7);
    const C = Cbig.subarray(3);
    nat.sgemm(false, false, M, N, K, 1, A, B, 0, C);
    t.ok(relErr(C, naive(false, false, M, N, K, 1, A, B, 0, new Float32Array(M * N))) < 1e-5);
    t.same(Array.from(Cbig.subarray(0, 3)), [7, 7, 7], 'nothing written before the view');
    t.throws(() => nat.sgemm(false, false, M, N, K + 1, 1, A, B, 0, C), /shorter/);
    t.throws(() => nat.sgemm(false, false, M, N, K, 1, A, new Float64Array(K * N) as unknown as Float32Array, 0, C), /Float32Array/);
  });

  t.test('the builtin C kernel (no BLAS) equals the naive loop', async (t) => {
    const addon = addonCandidates().find((f) => existsSync(f));
    t.ok(addon);
    // a child process: the addon picks its BLAS once, at load
    const code = `
      const a = require(${JSON.stringify(addon)});
      let seed = 5; const r = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 1073741824 - 1;
      const shapes = ${JSON.stringify(SHAPES)};
      let worst = 0;
      for (const [M, N, K] of shapes) for (const ta of [false, true]) for (const tb of [false, true]) {
        const A = Float32Array.from({ length: M * K }, r), B = Float32Array.from({ length: K * N }, r), C0 = Float32Array.from({ length: M * N }, r);
        const C = Float32Array.from(C0);
        a.sgemm(ta, tb, M, N, K, 0.75, A, B, 0.5, C);
        let scale = 0, err = 0;
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
          let s = 0;
          for (let p = 0; p < K; p++) s += (ta ? A[p * M + i] : A[i * K + p]) * (tb ? B[j * K + p] : B[p * N + j]);
          const want = 0.75 * s + 0.5 * C0[i * N + j];
          scale = Math.max(scale, Math.abs(want)); err = Math.max(err, Math.abs(C[i * N + j] - want));
        }
        worst = Math.max(worst, err / (scale + 1e-30));
      }
      console.log(JSON.stringify({ kind: a.info().sgemm, worst }));`;
    const r = spawnSync(process.execPath, ['-e', code], { env: { ...process.env, LMSTREAM_BLAS: 'builtin' }, encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    const res = JSON.parse(r.stdout);
    t.equal(res.kind, 'builtin');
    t.ok(res.worst < 1e-4, `builtin kernel: worst relative error ${res.worst}`);
  });

  t.test('linalg products through the addon equal the naive loop', async (t) => {
    setMatmulImpl('native');
    try {
      const rng = new Mulberry32(13);
      const [m, k, n] = [9, 21, 14];
      const a = rand(m * k, rng);
      const b = rand(k * n, rng);
      t.ok(relErr(matmul(a, m, k, new Mat(b, k, n)), naive(false, false, m, n, k, 1, a, b, 0, new Float32Array(m * n))) < 1e-5, 'a·b');
      const bt = rand(n * k, rng); // n×k
      t.ok(relErr(matmul(a, m, k, Mat.transposeOf(bt, n, k)), naive(false, true, m, n, k, 1, a, bt, 0, new Float32Array(m * n))) < 1e-5, 'a·bᵀ (view)');
      t.ok(relErr(matmulArrT(a, m, k, bt, n), naive(false, true, m, n, k, 1, a, bt, 0, new Float32Array(m * n))) < 1e-5, 'matmulArrT');
      const g = rand(m * n, rng);
      const out = rand(k * n, rng);
      const want = naive(true, false, k, n, m, 1, a, g, 1, out);
      matmulTN(a, m, k, g, n, out);
      t.ok(relErr(out, want) < 1e-5, 'out += aᵀ·g');
    } finally {
      setMatmulImpl('auto');
    }
  });

  t.test('fused Adam/AdamW equal the JavaScript update', async (t) => {
    for (const [name, l2, clip] of [['adam', 0, 0], ['adam', 0.01, 0.5], ['adamw', 0.1, 0]] as const) {
      const run = (impl: 'js' | 'native') => {
        setMatmulImpl(impl);
        const rng = new Mulberry32(21);
        const p = new Param('w', [37, 3], true);
        p.data.set(rand(p.size, rng));
        const o = new Optimizer(name, [p], 0.01, l2, clip);
        for (let s = 0; s < 4; s++) {
          p.grad.set(rand(p.size, rng));
          o.step();
        }
        setMatmulImpl('auto');
        return { w: Float32Array.from(p.data), m: Float32Array.from(o.slots.m[0]), v: Float32Array.from(o.slots.v[0]) };
      };
      const a = run('js');
      const b = run('native');
      t.ok(relErr(b.w, a.w) < 1e-6 && relErr(b.m, a.m) < 1e-6 && relErr(b.v, a.v) < 1e-6, `${name} l2=${l2} clip=${clip}: same weights and moments`);
      t.not(a.w[0], 0);
    }
  });

  t.test('softmaxXent equals the float64 log-softmax (counted rows, nats, gradient)', async (t) => {
    const rng = new Mulberry32(31);
    const [N, Vs] = [7, 53];
    const L0 = Float32Array.from({ length: N * Vs }, () => rng.uniform(-4, 4));
    const bias = rand(Vs, rng);
    const y = Int32Array.from({ length: N }, (_, n) => (n * 17) % Vs);
    const counted = Uint8Array.from({ length: N }, (_, n) => (n === 2 ? 0 : 1));
    let want = 0;
    let wantAll = 0;
    const wantNats = new Float64Array(N);
    const wantGrad = new Float64Array(N * Vs);
    const scale = 0.125;
    for (let n = 0; n < N; n++) {
      const row = Array.from({ length: Vs }, (_, j) => L0[n * Vs + j] + bias[j]);
      const mx = Math.max(...row);
      const lse = mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0));
      wantAll += lse - row[y[n]];
      if (counted[n]) {
        want += lse - row[y[n]];
        wantNats[n] = lse - row[y[n]];
        for (let j = 0; j < Vs; j++) wantGrad[n * Vs + j] = scale * (Math.exp(row[j] - lse) - (j === y[n] ? 1 : 0));
      }
    }
    const nats = new Float32Array(N);
    const L = Float32Array.from(L0);
    const got = nat.softmaxXent(L, bias, N, Vs, y, counted, scale, nats);
    t.ok(Math.abs(got - want) < 1e-5 * N, `Σ nats ${got} vs ${want}`);
    t.ok(relErr(nats, wantNats) < 1e-5, 'per-row nats');
    t.ok(relErr(L, wantGrad) < 1e-5, 'gradient rows');
    const L2 = Float32Array.from(L0);
    const all = nat.softmaxXent(L2, bias, N, Vs, y, null, 0, null);
    t.ok(Math.abs(all - wantAll) < 1e-5 * N && wantAll > want, `all rows counted without a mask: ${all} vs ${wantAll}`);
    t.throws(() => nat.softmaxXent(Float32Array.from(L0), bias, N, Vs, Int32Array.from(y).fill(Vs, 3, 4), null, 0, null), /target id 53 outside the vocabulary/);
  });

  t.test('addSumSq adds and sums squares on a range', async (t) => {
    const g = Float32Array.from([1, 2, 3, 4, 5]);
    const e = Float32Array.from([10, 20, 30, 40, 50]);
    t.equal(nat.addSumSq(g, e, 1, 3, true), 22 * 22 + 33 * 33);
    t.same(Array.from(g), [1, 22, 33, 4, 5]);
    t.equal(nat.addSumSq(g, null, 0, 5, true), 1 + 22 * 22 + 33 * 33 + 16 + 25);
    t.equal(nat.addSumSq(g, e, 4, 5, false), 0);
    t.same(Array.from(g), [1, 22, 33, 4, 55]);
    t.throws(() => nat.addSumSq(g, e, 2, 6, true), /range outside/);
  });

  const V = 11;
  const seqBatch = (B: number, T: number, seed: number, withMask: boolean) => helperSeqBatch(V, B, T, seed, withMask);

  t.test('LSTM gate kernels: the same loss and gradients as the JavaScript loops', async (t) => {
    const c = defaultConfig({ vocabSize: 40, embed: 16, hidden: 24, layers: 2, initScale: 0.3, seed: 7, softmax: 'full' });
    const b = seqBatch(5, 8, 3, true);
    const res: { loss: number; grads: Float32Array[] }[] = [];
    for (const impl of ['js', 'native'] as const) {
      setMatmulImpl(impl);
      const m = new RecurrentLM(c);
      m.evaluateSync(seqBatch(5, 8, 4, false)); // a non-zero carried state
      res.push({ loss: m.computeGradients(b), grads: m.params.map((p) => Float32Array.from(p.grad)) });
      m.dispose();
    }
    setMatmulImpl('auto');
    t.ok(Math.abs(res[0].loss - res[1].loss) < 1e-5, `loss ${res[0].loss} vs ${res[1].loss}`);
    const worst = Math.max(...res[0].grads.map((g, i) => relErr(res[1].grads[i], g)));
    t.ok(worst < 1e-4, `gradients agree (worst relative difference ${worst.toExponential(2)})`);
  });

  const checkRecurrent = (t: Tap.Test, partial: Partial<NeuralConfig>) => helperCheck(t, V, partial);

  t.test('gradient checks with the native products selected', async (t) => {
    setMatmulImpl('native');
    try {
      t.test('lstm, 2 layers, reset + mask, full softmax', async (t) => checkRecurrent(t, { arch: 'lstm' }));
      t.test('gru, class softmax', async (t) => checkRecurrent(t, { arch: 'gru', layers: 1, softmax: 'class', classes: 3 }));
      t.test('mlp with direct connections, class softmax', async (t) => {
        const cfg = defaultConfig({ arch: 'mlp', vocabSize: V, order: 4, embed: 3, hidden: 5, initScale: 0.5, seed: 4, direct: true, softmax: 'class', classes: 3 });
        const m = new MlpLM(cfg);
        const r = new Mulberry32(9);
        const B = 6;
        const context = Int32Array.from({ length: B * 3 }, () => Math.floor(r.next() * V));
        const batch: WindowBatch = { kind: 'window', B, N: 3, context, next: Int32Array.from({ length: B }, () => Math.floor(r.next() * V)) };
        m.computeGradients(batch);
        const grads = new Map<Param, Float32Array>(m.params.map((p) => [p, Float32Array.from(p.grad)]));
        const res = gradCheck(m.params, grads, () => {
          const v = m.evaluateSync(batch);
          return v.sumNats / v.tokens;
        });
        t.same(res.filter((x) => !close(x.analytic, x.numeric)), [], `${res.length} checks agree`);
        t.ok(res.some((x) => Math.abs(x.analytic) > 1e-2), 'gradients are not trivially zero');
      });
    } finally {
      t.teardown(() => setMatmulImpl('auto'));
    }
  });
} else {
  t.test('without the addon, the wasm and JS products equal the naive loop', async (t) => {
    const rng = new Mulberry32(14);
    for (const impl of ['tf', 'js', 'auto'] as const) {
      setMatmulImpl(impl);
      for (const [m, n, k] of SHAPES) {
        const a = rand(m * k, rng);
        const b = rand(k * n, rng);
        const e = relErr(matmul(a, m, k, new Mat(b, k, n)), naive(false, false, m, n, k, 1, a, b, 0, new Float32Array(m * n)));
        if (!(e < 1e-4)) t.fail(`${impl} ${m}x${n}x${k}: relative error ${e}`);
        const bt = rand(n * k, rng);
        const e2 = relErr(matmulArrT(a, m, k, bt, n), naive(false, true, m, n, k, 1, a, bt, 0, new Float32Array(m * n)));
        if (!(e2 < 1e-4)) t.fail(`${impl} ${m}x${n}x${k} transposed: relative error ${e2}`);
      }
    }
    setMatmulImpl('auto');
    t.pass('all shapes agree to 1e-4');
  });
}
