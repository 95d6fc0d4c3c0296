/**
 * Dense linear algebra for the hand-written forward/backward passes.
 * Matrices are row-major Float32Arrays. Products go to the native addon
 * (src/native: OpenBLAS's sgemm or a C kernel, see native.ts) when it is
 * built, else to TensorFlow.js (the wasm backend's XNNPACK matMul, only ever
 * called untransposed: its transposed variants are 10-100x slower); small
 * ones and the reference path used by the gradient checks are plain
 * JavaScript with float64 accumulation.
 */
import { isMainThread } from 'node:worker_threads';
import { tf } from '../backend.js';
import { firstComputeReport, nativeStatus, type NativeAddon } from './native.js';

/**
 * 'auto': native when the addon is loaded, else tf (large) / js (small);
 * 'native': the addon (an error when it is not built); 'tf'; 'js' (reference, float64 sums).
 */
export type MatmulImpl = 'auto' | 'tf' | 'js' | 'native';
let impl: MatmulImpl = 'auto';
/** below this many multiply-adds, JS beats the tfjs call overhead */
const JS_THRESHOLD = 16384;

/** Choose how products are computed: 'auto', 'native', 'tf' or 'js' (reference, float64 sums). */
export function setMatmulImpl(i: MatmulImpl): void {
  if (i === 'native') requireNative();
  impl = i;
}
export function getMatmulImpl(): MatmulImpl {
  return impl;
}

/** what 'auto' runs, reported once per process on stderr (main thread) unless initBackend reported it */
function loaded(): NativeAddon | undefined {
  const st = nativeStatus();
  if (firstComputeReport() && isMainThread) process.stderr.write(`lmstream: matmul ${st.description}\n`);
  return st.addon;
}

function requireNative(): NativeAddon {
  const a = loaded();
  if (!a) throw new Error(`native matmul unavailable: ${nativeStatus().reason}`);
  return a;
}

/** one line: which matmul 'auto' uses, e.g. `native (openblas libopenblas.so.0)` */
export function matmulDescription(): string {
  loaded();
  return nativeStatus().description;
}

/** the native kernels when the current setting uses them (auto with the addon loaded, or native) */
export function nativeKernels(): NativeAddon | undefined {
  if (impl === 'js' || impl === 'tf') return undefined;
  return impl === 'native' ? requireNative() : loaded();
}

/**
 * A right-hand matrix (k×n): its data, plus a lazily created tf tensor. A
 * transposed view (`Mat.transposeOf`) keeps the original n×k array and only
 * copies it when a path without transposed products needs the data.
 */
export class Mat {
  private t: tf.Tensor2D | undefined;
  private d: Float32Array | undefined;
  /** the n×k source of a transposed view */
  readonly transOf: Float32Array | undefined;

  constructor(data: Float32Array | undefined, readonly rows: number, readonly cols: number, transOf?: Float32Array) {
    this.d = data;
    this.transOf = transOf;
    const n = (data ?? transOf)?.length;
    if (n !== rows * cols) throw new Error(`Mat: ${n} values for ${rows}x${cols}`);
  }

  /** the transpose of `src` (rows×cols) as a cols×rows matrix, copied only when its data is read */
  static transposeOf(src: Float32Array, rows: number, cols: number): Mat {
    return new Mat(undefined, cols, rows, src);
  }

  get data(): Float32Array {
    if (!this.d) this.d = transpose(this.transOf!, this.cols, this.rows);
    return this.d;
  }

  tensor(): tf.Tensor2D {
    if (!this.t) this.t = tf.tensor2d(this.data, [this.rows, this.cols]);
    return this.t;
  }
  /** call after changing `data` in place */
  invalidate(): void {
    this.t?.dispose();
    this.t = undefined;
    if (this.transOf) this.d = undefined;
  }
}

function useTf(m: number, k: number, n: number): boolean {
  if (impl === 'js') return false;
  if (impl === 'tf') return true;
  return m * k * n >= JS_THRESHOLD;
}

/** out (m×n) = a (m×k) · b (k×n); `out` is added to when `accumulate`. */
export function matmul(a: Float32Array, m: number, k: number, b: Mat, out?: Float32Array, accumulate = false): Float32Array {
  const n = b.cols;
  if (b.rows !== k) throw new Error(`matmul: inner sizes ${k} and ${b.rows} differ`);
  const res = out ?? new Float32Array(m * n);
  if (m === 0 || n === 0) return res;
  const nat = nativeKernels();
  if (nat) {
    if (b.transOf) nat.sgemm(false, true, m, n, k, 1, a, b.transOf, accumulate ? 1 : 0, res);
    else nat.sgemm(false, false, m, n, k, 1, a, b.data, accumulate ? 1 : 0, res);
    return res;
  }
  if (useTf(m, k, n)) {
    const bt = b.tensor(); // cached: created outside the tidy so that it survives it
    const r = tf.tidy(() => {
      const at = tf.tensor2d(a.length === m * k ? a : a.subarray(0, m * k), [m, k]);
      return tf.matMul(at, bt);
    });
    const d = r.dataSync() as Float32Array;
    r.dispose();
    if (accumulate) for (let i = 0; i < d.length; i++) res[i] += d[i];
    else res.set(d);
    return res;
  }
  const bd = b.data;
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    const ao = i * k;
    for (let p = 0; p < k; p++) {
      const av = a[ao + p];
      if (av === 0) continue;
      const bo = p * n;
      for (let j = 0; j < n; j++) row[j] += av * bd[bo + j];
    }
    const oo = i * n;
    if (accumulate) for (let j = 0; j < n; j++) res[oo + j] += row[j];
    else for (let j = 0; j < n; j++) res[oo + j] = row[j];
  }
  return res;
}

/** a (m×k) · b where b is a plain array (k×n): for one-off products */
export function matmulArr(a: Float32Array, m: number, k: number, b: Float32Array, n: number, out?: Float32Array, accumulate = false): Float32Array {
  const nat = nativeKernels();
  if (nat) {
    const res = out ?? new Float32Array(m * n);
    if (m > 0 && n > 0) nat.sgemm(false, false, m, n, k, 1, a, b, accumulate ? 1 : 0, res);
    return res;
  }
  const mat = new Mat(b, k, n);
  try {
    return matmul(a, m, k, mat, out, accumulate);
  } finally {
    mat.invalidate();
  }
}

/** a (m×k) · bᵀ where b is a plain array (n×k): for one-off products */
export function matmulArrT(a: Float32Array, m: number, k: number, b: Float32Array, n: number, out?: Float32Array, accumulate = false): Float32Array {
  const mat = Mat.transposeOf(b, n, k);
  try {
    return matmul(a, m, k, mat, out, accumulate);
  } finally {
    mat.invalidate();
  }
}

/** the transpose (cols×rows) of a row-major rows×cols matrix, blocked for cache locality */
export function transpose(a: Float32Array, rows: number, cols: number, out?: Float32Array): Float32Array {
  const o = out ?? new Float32Array(rows * cols);
  const BS = 32;
  for (let i0 = 0; i0 < rows; i0 += BS) {
    const i1 = Math.min(rows, i0 + BS);
    for (let j0 = 0; j0 < cols; j0 += BS) {
      const j1 = Math.min(cols, j0 + BS);
      for (let i = i0; i < i1; i++) {
        const ai = i * cols;
        for (let j = j0; j < j1; j++) o[j * rows + i] = a[ai + j];
      }
    }
  }
  return o;
}

/**
 * out (k×n) += aᵀ · b for a (m×k), b (m×n): weight gradients. Transposes
 * whichever side is cheaper (tf's transposed matMul is slow on wasm).
 */
export function matmulTN(a: Float32Array, m: number, k: number, b: Float32Array, n: number, out: Float32Array): void {
  const nat = nativeKernels();
  if (nat) {
    if (k > 0 && n > 0) nat.sgemm(true, false, k, n, m, 1, a, b, 1, out);
    return;
  }
  if (m * k <= m * n + n * k) {
    matmulArr(transpose(a, m, k), k, m, b, n, out, true);
  } else {
    // (bᵀ · a)ᵀ
    const r = matmulArr(transpose(b, m, n), n, m, a, k);
    for (let j = 0; j < n; j++) {
      const ro = j * k;
      for (let i = 0; i < k; i++) out[i * n + j] += r[ro + i];
    }
  }
}

/** out (k×n) = beta · out + alpha · aᵀ · b for a (m×k), b (m×n): an SGD step applied in place */
export function gemmTNInto(a: Float32Array, m: number, k: number, b: Float32Array, n: number, out: Float32Array, alpha: number, beta: number): void {
  const nat = nativeKernels();
  if (nat) {
    if (k > 0 && n > 0) nat.sgemm(true, false, k, n, m, alpha, a, b, beta, out);
    return;
  }
  const g = new Float32Array(k * n);
  matmulTN(a, m, k, b, n, g);
  for (let i = 0; i < k * n; i++) out[i] = beta * out[i] + alpha * g[i];
}

/** column sums of a (m×n) added to out (n) */
let ones = new Float32Array(0);
export function addColSums(a: Float32Array, m: number, n: number, out: Float32Array): void {
  const nat = nativeKernels();
  if (nat && m > 1 && n > 0) {
    // out (1×n) += 1ᵀ (1×m) · a (m×n)
    if (ones.length < m) ones = new Float32Array(Math.max(m, 2 * ones.length)).fill(1);
    nat.sgemm(false, false, 1, n, m, 1, ones, a, 1, out);
    return;
  }
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let j = 0; j < n; j++) out[j] += a[o + j];
  }
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
