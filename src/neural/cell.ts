/**
 * A recurrent layer with a hand-written backward pass through time. Inputs
 * and outputs are time-major: row t·B + b is lane b at step t. Pure logic.
 */
import type { InitName } from './api.js';
import { initWeight, Param } from './params.js';
import type { Mulberry32 } from '../util/random.js';

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
  init(init: InitName, scale: number, rng: Mulberry32): void;
  /**
   * Run T steps from `state` (updated in place to the final state). Returns
   * the outputs h_t (T·B×H) and, when `keep`, what backward needs.
   */
  forward(X: Float32Array, T: number, B: number, state: Float32Array[], keep: boolean): { out: Float32Array; cache?: CellCache };
  /** dOut (T·B×H) → dX (T·B×I), accumulating parameter gradients; the window starts fresh (truncated BPTT) */
  backward(cache: CellCache, dOut: Float32Array): Float32Array;
}

/**
 * The params of a cell with `gates` blocks of H: Wx (I×gH), Wh (H×gH, the
 * recurrent init), b (gH, zero); the RNN (1 gate) and the LSTM (4).
 */
export abstract class GateParams {
  readonly params: Param[];
  readonly Wx: Param;
  readonly Wh: Param;
  readonly b: Param;

  constructor(readonly name: string, readonly inputSize: number, readonly hidden: number, gates: number) {
    this.Wx = new Param(`${name}.Wx`, [inputSize, gates * hidden], true);
    this.Wh = new Param(`${name}.Wh`, [hidden, gates * hidden], true);
    this.b = new Param(`${name}.b`, [gates * hidden], false);
    this.params = [this.Wx, this.Wh, this.b];
  }

  init(init: InitName, scale: number, rng: Mulberry32): void {
    initWeight(this.Wx, init, scale, this.inputSize, this.hidden, false, rng);
    initWeight(this.Wh, init, scale, this.hidden, this.hidden, true, rng);
    this.b.data.fill(0);
    this.b.changed();
  }
}
