/**
 * Trainable parameters: a named Float32Array with its gradient, plus cached
 * matrix views (as is and transposed) for the products; and the bookkeeping
 * of row-sparse SGD (RowSparse). Pure logic.
 */
import { Mat } from './linalg.js';
import { Mulberry32 } from '../util/random.js';
import type { InitName } from './api.js';

/**
 * Row-sparse SGD of a matrix whose gradient touches few rows per step (an
 * embedding, the word rows of a class softmax): the rows touched since the
 * last zeroGrad, and lazy L2 decay. Each row remembers the cumulative
 * log-decay Σ ln(1 − lr·λ) it is current to (`last`); the optimiser advances
 * `now` every step and updates only the touched rows; a lagging row is
 * multiplied by exp(now − last) before it is read or updated. The weights
 * read are those of the dense update (up to float rounding).
 */
export class RowSparse {
  readonly mark: Uint8Array;
  readonly list: Int32Array;
  count = 0;
  readonly last: Float64Array;
  now = 0;
  /** some row may be behind `now` */
  lagging = false;
  /**
   * Armed by the optimiser for a step that will update (plain SGD, no
   * clipping): the layer that computes this matrix's gradient rows may apply
   * w ← f·w − a·g to them at once instead of writing g, then mark them
   * current to `next` (settleRows). Cleared by zeroGrad and step.
   */
  fuse: { a: number; f: number; next: number } | undefined;

  constructor(rows: number) {
    this.mark = new Uint8Array(rows);
    this.list = new Int32Array(rows);
    this.last = new Float64Array(rows);
  }
}

export class Param {
  data: Float32Array;
  grad: Float32Array;
  /**
   * Set by the model: every write to the gradient goes through touchRow(s),
   * so the optimiser may update this matrix row-sparsely (see RowSparse).
   */
  rowwise = false;
  /**
   * Set by the model when one layer alone writes this matrix's gradient, so
   * that layer may apply the SGD step to its rows directly (RowSparse.fuse).
   */
  fusable = false;
  /** row-sparse bookkeeping while the optimiser updates this matrix by rows */
  sparse: RowSparse | undefined;
  private mat: Mat | undefined;
  private matT: Mat | undefined;

  /** `decay`: L2 weight decay applies (weights yes, biases no) */
  constructor(readonly name: string, readonly shape: number[], readonly decay: boolean) {
    const n = shape.reduce((a, b) => a * b, 1);
    this.data = new Float32Array(n);
    this.grad = new Float32Array(n);
  }

  get size(): number {
    return this.data.length;
  }
  get rows(): number {
    return this.shape[0];
  }
  get cols(): number {
    return this.shape.length > 1 ? this.shape[1] : 1;
  }

  /** the matrix rows×cols */
  asMat(): Mat {
    if (!this.mat) this.mat = new Mat(this.data, this.rows, this.cols);
    return this.mat;
  }

  /** the transposed matrix cols×rows (a view; copied only by paths without transposed products, refreshed after each change) */
  asMatT(): Mat {
    if (!this.matT) this.matT = Mat.transposeOf(this.data, this.rows, this.cols);
    return this.matT;
  }

  /** note that the gradient of rows [lo, hi) is being written */
  touchRows(lo: number, hi: number): void {
    const s = this.sparse;
    if (!s) return;
    for (let r = lo; r < hi; r++) {
      if (s.mark[r]) continue;
      s.mark[r] = 1;
      s.list[s.count++] = r;
    }
  }

  /** note that the gradient of the rows `ids` is being written */
  touchIds(ids: ArrayLike<number>): void {
    const s = this.sparse;
    if (!s) return;
    for (let n = 0; n < ids.length; n++) {
      const r = ids[n];
      if (s.mark[r]) continue;
      s.mark[r] = 1;
      s.list[s.count++] = r;
    }
  }

  /** bring row r up to date with the lazy decay; true when it changed */
  private catchUp(s: RowSparse, r: number): boolean {
    const d = s.now - s.last[r];
    if (d === 0) return false;
    s.last[r] = s.now;
    const f = Math.exp(d);
    const w = this.data;
    const c = this.cols;
    for (let j = r * c, e = j + c; j < e; j++) w[j] *= f;
    return true;
  }

  /** rows [lo, hi) were updated in place by a fused step: current to `next` */
  settleRows(lo: number, hi: number, next: number): void {
    const s = this.sparse!;
    for (let r = lo; r < hi; r++) s.last[r] = next;
  }

  /** make rows [lo, hi) current before reading them */
  freshRows(lo: number, hi: number): void {
    const s = this.sparse;
    if (!s || !s.lagging) return;
    let changed = false;
    for (let r = lo; r < hi; r++) if (this.catchUp(s, r)) changed = true;
    if (changed) this.changed();
  }

  /** make the rows `ids` current before reading them */
  freshIds(ids: ArrayLike<number>): void {
    const s = this.sparse;
    if (!s || !s.lagging) return;
    let changed = false;
    for (let n = 0; n < ids.length; n++) if (this.catchUp(s, ids[n])) changed = true;
    if (changed) this.changed();
  }

  /** make row r current before updating it (no view invalidation: the update does it) */
  freshRow(r: number): void {
    const s = this.sparse;
    if (s && s.lagging) this.catchUp(s, r);
  }

  /** make every row current and restart the decay clock at 0 (before saving, or reading the whole matrix) */
  freshAll(): void {
    const s = this.sparse;
    if (!s || !s.lagging) return;
    // rows a fused step already updated are ahead of `now` until the step ends
    if (s.fuse) throw new Error(`${this.name}: the whole matrix is read in the middle of a fused SGD step`);
    this.freshRows(0, this.rows);
    s.now = 0;
    s.last.fill(0);
    s.lagging = false;
  }

  /** call after `data` changed */
  changed(): void {
    this.mat?.invalidate();
    this.matT?.invalidate();
    this.matT = undefined;
  }

  /**
   * Move the values (and the gradient) onto other storage, e.g. a
   * SharedArrayBuffer; `copy` = false adopts the values already there.
   */
  rehome(data: Float32Array, grad: Float32Array, copy = true): void {
    if (data.length !== this.size || grad.length !== this.size) throw new Error(`rehome ${this.name}: wrong size`);
    if (copy && data !== this.data) data.set(this.data);
    this.dispose();
    this.data = data;
    this.grad = grad;
  }

  dispose(): void {
    this.mat?.invalidate();
    this.matT?.invalidate();
    this.mat = undefined;
    this.matT = undefined;
  }
}

export function fillUniform(p: Param, a: number, rng: Mulberry32): void {
  for (let i = 0; i < p.size; i++) p.data[i] = rng.uniform(-a, a);
  p.changed();
}

/** Glorot/Xavier uniform: ±sqrt(6 / (fanIn + fanOut)) */
export function fillXavier(p: Param, fanIn: number, fanOut: number, rng: Mulberry32): void {
  fillUniform(p, Math.sqrt(6 / (fanIn + fanOut)), rng);
}

/**
 * Orthogonal initialisation of a (H × g·H) recurrent matrix: each H×H gate
 * block is an orthogonal matrix (Gram-Schmidt of a Gaussian matrix, float64).
 */
export function fillOrthogonal(p: Param, rng: Mulberry32): void {
  const H = p.rows;
  const G = p.cols / H;
  if (!Number.isInteger(G)) throw new Error(`orthogonal init needs cols a multiple of rows (${p.name})`);
  for (let g = 0; g < G; g++) {
    const q: Float64Array[] = [];
    for (let i = 0; i < H; i++) {
      const v = new Float64Array(H);
      for (;;) {
        for (let j = 0; j < H; j++) v[j] = rng.normal();
        for (const u of q) {
          let d = 0;
          for (let j = 0; j < H; j++) d += u[j] * v[j];
          for (let j = 0; j < H; j++) v[j] -= d * u[j];
        }
        let nrm = 0;
        for (let j = 0; j < H; j++) nrm += v[j] * v[j];
        nrm = Math.sqrt(nrm);
        if (nrm > 1e-6) {
          for (let j = 0; j < H; j++) v[j] /= nrm;
          break;
        }
      }
      q.push(v);
    }
    // row i of the block = q[i]
    for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) p.data[i * p.cols + g * H + j] = q[i][j];
  }
  p.changed();
}

/** initialise a weight matrix by the configured scheme (`recurrent` selects orthogonal) */
export function initWeight(p: Param, init: InitName, scale: number, fanIn: number, fanOut: number, recurrent: boolean, rng: Mulberry32): void {
  if (init === 'uniform') fillUniform(p, scale, rng);
  else if (init === 'orthogonal' && recurrent) fillOrthogonal(p, rng);
  else fillXavier(p, fanIn, fanOut, rng);
}
