/**
 * Embedding lookup and its gradient (a scatter-add, which the wasm backend
 * lacks as a kernel), and inverted dropout. Pure logic.
 */
import type { Param } from './params.js';
import type { Mulberry32 } from '../util/random.js';

/** rows E[ids[n]] → (N×m) */
export function gatherRows(E: Param, ids: ArrayLike<number>, out?: Float32Array): Float32Array {
  const m = E.cols;
  const V = E.rows;
  const o = out ?? new Float32Array(ids.length * m);
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n];
    if (!(id >= 0 && id < V) || !Number.isInteger(id)) throw new Error(`token id ${id} outside the vocabulary (size ${V})`);
  }
  E.freshIds(ids);
  for (let n = 0; n < ids.length; n++) o.set(E.data.subarray(ids[n] * m, ids[n] * m + m), n * m);
  return o;
}

/** E.grad[ids[n]] += d[n] (N×m) */
export function scatterAddRows(E: Param, ids: ArrayLike<number>, d: Float32Array): void {
  const m = E.cols;
  const g = E.grad;
  E.touchIds(ids);
  for (let n = 0; n < ids.length; n++) {
    const go = ids[n] * m;
    const dO = n * m;
    for (let j = 0; j < m; j++) g[go + j] += d[dO + j];
  }
}

/** inverted-dropout mask: 0 with probability p, else 1/(1−p) */
export function dropoutMask(n: number, p: number, rng: Mulberry32): Float32Array {
  const m = new Float32Array(n);
  const keep = 1 / (1 - p);
  for (let i = 0; i < n; i++) m[i] = rng.next() < p ? 0 : keep;
  return m;
}

/** x ⊙ mask as a new array (x itself when there is no mask) */
export function dropped(x: Float32Array, mask: Float32Array | undefined): Float32Array {
  if (!mask) return x;
  const o = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) o[i] = x[i] * mask[i];
  return o;
}

/** d ⊙ mask in place (the backward of dropout) */
export function maskInPlace(d: Float32Array, mask: Float32Array | undefined): Float32Array {
  if (!mask) return d;
  for (let i = 0; i < d.length; i++) d[i] *= mask[i];
  return d;
}

/** throws when an id is outside [0, V) */
export function checkIds(ids: ArrayLike<number>, V: number, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (!(v >= 0 && v < V)) throw new Error(`batch ${what}[${i}] = ${v} is outside the vocabulary (size ${V})`);
  }
}
