/**
 * Optimisers over Params, in place, pure logic: sgd, momentum (0.9), adam,
 * adamw (decoupled weight decay), rmsprop (ρ 0.99), adagrad; L2 weight decay
 * on weights (not biases); global gradient-norm clipping. The state (moments
 * and the step count) can be exported and restored exactly.
 *
 * Plain SGD updates the matrices a model marks `rowwise` (embeddings, the
 * word rows of a class softmax) row-sparsely: only the rows the step's
 * gradient touched, with the L2 decay of the others applied lazily (see
 * RowSparse in params.ts). The result is the dense update's; the cost of a
 * step no longer grows with |V|.
 */
import type { OptimizerName } from './api.js';
import { nativeKernels } from './linalg.js';
import { RowSparse, type Param } from './params.js';

export interface OptimState {
  name: OptimizerName;
  t: number;
  /** slot name → per-parameter arrays, in the order of the params */
  slots: Record<string, Float32Array[]>;
}

const SLOTS: Record<OptimizerName, string[]> = {
  sgd: [],
  momentum: ['v'],
  adam: ['m', 'v'],
  adamw: ['m', 'v'],
  rmsprop: ['s'],
  adagrad: ['s'],
};

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPS = 1e-8;
export const MOMENTUM = 0.9;
export const RMS_RHO = 0.99;
export const RMS_EPS = 1e-8;
export const ADAGRAD_EPS = 1e-10;

export class Optimizer {
  t = 0;
  readonly slots: Record<string, Float32Array[]> = {};

  constructor(readonly name: OptimizerName, readonly params: Param[], public lr: number, readonly l2: number, readonly clip: number) {
    if (!(name in SLOTS)) throw new Error(`unknown optimizer '${name}'`);
    for (const s of SLOTS[name]) this.slots[s] = params.map((p) => new Float32Array(p.size));
  }

  /**
   * Row-sparse SGD on (or off) for the params marked `rowwise`; only plain
   * SGD has an exact row-sparse form. Turning it off brings every row up to
   * date first. Call between steps (after an update, before the next zeroGrad).
   */
  setRowSparse(on: boolean): void {
    for (const p of this.params) {
      if (on && this.name === 'sgd' && p.rowwise) {
        if (!p.sparse) {
          p.grad.fill(0);
          p.sparse = new RowSparse(p.rows);
        }
      } else if (p.sparse) {
        p.freshAll();
        p.sparse = undefined;
      }
    }
  }

  /** the params updated row-sparsely now */
  get rowSparse(): boolean {
    return this.params.some((p) => p.sparse);
  }

  /**
   * Zero the gradients. `fuse`: the step to come will update (plain
   * row-sparse SGD without clipping): arm the `fusable` params so that their
   * layer applies the update to its rows directly (RowSparse.fuse).
   */
  zeroGrad(fuse = false): void {
    const arm = fuse && this.name === 'sgd' && !(this.clip > 0);
    for (const p of this.params) {
      const s = p.sparse;
      if (!s) {
        p.grad.fill(0);
        continue;
      }
      s.fuse = undefined;
      if (arm && p.fusable) {
        const f = 1 - this.lr * (p.decay ? this.l2 : 0);
        if (f > 0) s.fuse = { a: this.lr, f, next: f === 1 ? s.now : s.now + Math.log(f) };
      }
      const c = p.cols;
      for (let k = 0; k < s.count; k++) {
        const r = s.list[k];
        p.grad.fill(0, r * c, (r + 1) * c);
        s.mark[r] = 0;
      }
      s.count = 0;
    }
  }

  /** global L2 norm of the gradients */
  gradNorm(): number {
    let s = 0;
    const nat = nativeKernels();
    for (const p of this.params) {
      const g = p.grad;
      const sp = p.sparse;
      if (sp) {
        const c = p.cols;
        for (let k = 0; k < sp.count; k++) {
          for (let i = sp.list[k] * c, e = i + c; i < e; i++) s += g[i] * g[i];
        }
        continue;
      }
      if (nat) {
        s += nat.addSumSq(g, null, 0, g.length, true);
        continue;
      }
      for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    }
    return Math.sqrt(s);
  }

  /** clip, apply weight decay and update every parameter; returns the gradient norm before clipping (0 when clipping is off) */
  step(): number {
    const norm = this.clip > 0 ? this.gradNorm() : 0;
    this.t++;
    this.update(this.clipScale(norm), 0, 1);
    for (const p of this.params) {
      if (p.sparse) p.sparse.fuse = undefined;
      p.changed();
    }
    return norm;
  }

  /** the factor that clips a gradient of this norm */
  clipScale(norm: number): number {
    return this.clip > 0 && norm > this.clip ? this.clip / norm : 1;
  }

  /**
   * Σ g² over the share [lo, hi) of every parameter (fractions of its size),
   * after adding `extra[k]` into the gradient there when given.
   */
  sumRange(lo: number, hi: number, extra?: Float32Array[], norm = true): number {
    let s = 0;
    const nat = nativeKernels();
    this.params.forEach((p, k) => {
      const g = p.grad;
      const i0 = Math.floor(p.size * lo);
      const i1 = Math.floor(p.size * hi);
      const e = extra?.[k];
      if (nat) {
        s += nat.addSumSq(g, e ?? null, i0, i1, norm);
        return;
      }
      if (e) for (let i = i0; i < i1; i++) g[i] += e[i];
      if (norm) for (let i = i0; i < i1; i++) s += g[i] * g[i];
    });
    return s;
  }

  /**
   * The update of step `this.t` on the share [lo, hi) of every parameter
   * (fractions of its size), the gradient scaled by `scale`. Does not mark the
   * params changed.
   */
  update(scale: number, lo: number, hi: number): void {
    const lr = this.lr;
    const t = this.t;
    const bc1 = 1 - Math.pow(ADAM_BETA1, t);
    const bc2 = 1 - Math.pow(ADAM_BETA2, t);
    const nat = this.name === 'adam' || this.name === 'adamw' ? nativeKernels() : undefined;
    this.params.forEach((p, k) => {
      const w = p.data;
      const g = p.grad;
      const i0 = Math.floor(p.size * lo);
      const n = Math.floor(p.size * hi);
      const l2 = p.decay ? this.l2 : 0;
      const coupled = this.name === 'adamw' ? 0 : l2;
      if (p.sparse) {
        if (i0 !== 0 || n !== p.size) throw new Error(`${p.name}: a row-sparse parameter is updated whole, not by shares`);
        this.sgdRows(p, scale, l2);
        return;
      }
      switch (this.name) {
        case 'sgd':
          for (let i = i0; i < n; i++) w[i] -= lr * (g[i] * scale + coupled * w[i]);
          break;
        case 'momentum': {
          const v = this.slots.v[k];
          for (let i = i0; i < n; i++) {
            v[i] = MOMENTUM * v[i] + g[i] * scale + coupled * w[i];
            w[i] -= lr * v[i];
          }
          break;
        }
        case 'adam':
        case 'adamw': {
          const m = this.slots.m[k];
          const v = this.slots.v[k];
          const decay = this.name === 'adamw' ? 1 - lr * l2 : 1;
          const a = lr / bc1;
          const ib2 = 1 / Math.sqrt(bc2);
          if (nat) {
            // the same update, fused in C (float64 arithmetic like this loop)
            nat.adam(w, g, m, v, i0, n, a, ib2, scale, coupled, decay, ADAM_BETA1, ADAM_BETA2, 1 - ADAM_BETA1, 1 - ADAM_BETA2, ADAM_EPS);
            break;
          }
          if (scale === 1 && coupled === 0 && decay === 1) {
            // the common case, without the clipping and decay terms
            for (let i = i0; i < n; i++) {
              const gi = g[i];
              const mi = (m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * gi);
              const vi = (v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * gi * gi);
              w[i] -= (a * mi) / (Math.sqrt(vi) * ib2 + ADAM_EPS);
            }
            break;
          }
          for (let i = i0; i < n; i++) {
            const gi = g[i] * scale + coupled * w[i];
            const mi = (m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * gi);
            const vi = (v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * gi * gi);
            w[i] = w[i] * decay - (a * mi) / (Math.sqrt(vi) * ib2 + ADAM_EPS);
          }
          break;
        }
        case 'rmsprop': {
          const s = this.slots.s[k];
          for (let i = i0; i < n; i++) {
            const gi = g[i] * scale + coupled * w[i];
            s[i] = RMS_RHO * s[i] + (1 - RMS_RHO) * gi * gi;
            w[i] -= (lr * gi) / (Math.sqrt(s[i]) + RMS_EPS);
          }
          break;
        }
        case 'adagrad': {
          const s = this.slots.s[k];
          for (let i = i0; i < n; i++) {
            const gi = g[i] * scale + coupled * w[i];
            s[i] += gi * gi;
            w[i] -= (lr * gi) / (Math.sqrt(s[i]) + ADAGRAD_EPS);
          }
          break;
        }
      }
    });
  }

  /** SGD on the touched rows of a row-sparse param; the other rows' decay is deferred */
  private sgdRows(p: Param, scale: number, l2: number): void {
    const s = p.sparse!;
    const lr = this.lr;
    const w = p.data;
    const g = p.grad;
    const c = p.cols;
    const f = 1 - lr * l2;
    if (!(f > 0)) {
      // no logarithm for the lazy decay: update every row (g is 0 off the touched ones)
      p.freshAll();
      for (let i = 0; i < w.length; i++) w[i] -= lr * (g[i] * scale + l2 * w[i]);
      return;
    }
    const next = f === 1 ? s.now : s.now + Math.log(f);
    const a = lr * scale;
    for (let k = 0; k < s.count; k++) {
      const r = s.list[k];
      p.freshRow(r);
      for (let i = r * c, e = i + c; i < e; i++) w[i] = f * w[i] - a * g[i];
      s.last[r] = next;
    }
    if (next !== s.now) {
      s.now = next;
      s.lagging = true;
    }
  }

  /** put the slots on other storage (e.g. shared memory), keeping their values */
  useSlots(slots: Record<string, Float32Array[]>, copy = true): void {
    for (const [k, arrs] of Object.entries(slots)) {
      const mine = this.slots[k];
      if (!mine) continue;
      arrs.forEach((a, i) => {
        if (copy) a.set(mine[i]);
        mine[i] = a;
      });
    }
  }

  exportState(): OptimState {
    return { name: this.name, t: this.t, slots: this.slots };
  }

  importState(s: OptimState): void {
    if (s.name !== this.name) throw new Error(`optimizer state is for '${s.name}', not '${this.name}'`);
    this.t = s.t;
    for (const [k, arrs] of Object.entries(s.slots)) {
      const mine = this.slots[k];
      if (!mine || mine.length !== arrs.length) throw new Error(`optimizer state slot '${k}' does not match the model`);
      arrs.forEach((a, i) => {
        if (a.length !== mine[i].length) throw new Error(`optimizer state slot '${k}' #${i} has the wrong size`);
        mine[i].set(a);
      });
    }
  }
}
