/**
 * Trainable parameters: a named Float32Array with its gradient, plus cached
 * matrix views (as is and transposed) for the products. Pure logic.
 */
import { Mat } from './linalg.js';
import { NeuralRng } from './rng.js';
import type { InitName } from './api.js';

export class Param {
  data: Float32Array;
  grad: Float32Array;
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

export function fillUniform(p: Param, a: number, rng: NeuralRng): void {
  for (let i = 0; i < p.size; i++) p.data[i] = rng.uniform(-a, a);
  p.changed();
}

/** Glorot/Xavier uniform: ±sqrt(6 / (fanIn + fanOut)) */
export function fillXavier(p: Param, fanIn: number, fanOut: number, rng: NeuralRng): void {
  fillUniform(p, Math.sqrt(6 / (fanIn + fanOut)), rng);
}

/**
 * Orthogonal initialisation of a (H × g·H) recurrent matrix: each H×H gate
 * block is an orthogonal matrix (Gram-Schmidt of a Gaussian matrix, float64).
 */
export function fillOrthogonal(p: Param, rng: NeuralRng): void {
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
export function initWeight(p: Param, init: InitName, scale: number, fanIn: number, fanOut: number, recurrent: boolean, rng: NeuralRng): void {
  if (init === 'uniform') fillUniform(p, scale, rng);
  else if (init === 'orthogonal' && recurrent) fillOrthogonal(p, rng);
  else fillXavier(p, fanIn, fanOut, rng);
}
