/**
 * A recurrent layer with a hand-written backward pass through time. Inputs
 * and outputs are time-major: row t·B + b is lane b at step t. Pure logic.
 */
import type { InitName } from './api.js';
import type { Param } from './params.js';
import type { NeuralRng } from './rng.js';

export interface CellCache {
  readonly T: number;
  readonly B: number;
}

export interface RecurrentCell {
  readonly params: Param[];
  readonly inputSize: number;
  readonly hidden: number;
  /** state arrays per lane batch: [h] or [h, c], each B×H */
  readonly stateCount: number;
  init(init: InitName, scale: number, rng: NeuralRng): void;
  /**
   * Run T steps from `state` (updated in place to the final state). Returns
   * the outputs h_t (T·B×H) and, when `keep`, what backward needs.
   */
  forward(X: Float32Array, T: number, B: number, state: Float32Array[], keep: boolean): { out: Float32Array; cache?: CellCache };
  /** dOut (T·B×H) → dX (T·B×I), accumulating parameter gradients; the window starts fresh (truncated BPTT) */
  backward(cache: CellCache, dOut: Float32Array): Float32Array;
}
