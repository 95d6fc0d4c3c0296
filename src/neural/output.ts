/**
 * The output layer interface shared by the full and the class-factored
 * softmax. Input: hidden rows h (N×D, row-major), targets y (N), an optional
 * per-token flag `counted` (0 = padding, not scored). Pure logic.
 */
import type { Param } from './params.js';

export interface OutputResult {
  /** Σ −log P(y_n | h_n) over counted tokens, in nats (float64 sum) */
  sumNats: number;
  /** dLoss/dh (N×D) when a gradient was requested */
  dIn?: Float32Array;
}

export interface OutputLayer {
  readonly params: Param[];
  readonly inputSize: number;
  /**
   * Score the targets; when `gradScale` > 0 also backpropagate the loss
   * gradScale · Σ −log P, accumulating into the params' `grad` and returning dIn.
   * `nats`, when given (length N), receives −log P of each counted token.
   */
  run(h: Float32Array, N: number, y: Int32Array, counted: Uint8Array | undefined, gradScale: number, nats?: Float32Array): OutputResult;
  /** P(· | h) for one input row, length V, summing to 1 */
  probs(h: Float32Array): Float32Array;
}

/** in-place log-softmax of row [o, o+n) of a; returns log Σ exp */
export function logSumExp(a: Float32Array, o: number, n: number): number {
  let mx = -Infinity;
  for (let j = 0; j < n; j++) if (a[o + j] > mx) mx = a[o + j];
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(a[o + j] - mx);
  return mx + Math.log(s);
}
