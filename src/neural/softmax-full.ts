/**
 * Full softmax output layer: logits = h·Wᵀ + b with W (V×D) stored one row
 * per word (so it can be tied to the input embedding). Hand-written gradient.
 * Pure logic (products through linalg).
 */
import { addColSums, matmul, matmulTN, nativeKernels } from './linalg.js';
import { logSumExp, type OutputLayer, type OutputResult } from './output.js';
import { Param } from './params.js';

export class FullSoftmax implements OutputLayer {
  readonly params: Param[];
  readonly b: Param;

  constructor(readonly V: number, readonly inputSize: number, readonly W: Param) {
    if (W.rows !== V || W.cols !== inputSize) throw new Error(`output weights must be ${V}x${inputSize}`);
    this.b = new Param('out.b', [V], false);
    this.params = [W, this.b];
  }

  run(h: Float32Array, N: number, y: Int32Array, counted: Uint8Array | undefined, gradScale: number, nats?: Float32Array): OutputResult {
    const V = this.V;
    const D = this.inputSize;
    this.W.freshAll(); // (when W is also a row-sparse embedding)
    const logits = matmul(h, N, D, this.W.asMatT());
    const b = this.b.data;
    let sumNats = 0;
    const grad = gradScale > 0;
    const nat = nativeKernels();
    if (nat) sumNats = nat.softmaxXent(logits, b, N, V, y, counted ?? null, grad ? gradScale : 0, nats ?? null);
    else for (let n = 0; n < N; n++) {
      const o = n * V;
      for (let j = 0; j < V; j++) logits[o + j] += b[j];
      const lse = logSumExp(logits, o, V);
      const use = !counted || counted[n] !== 0;
      if (use) {
        sumNats += lse - logits[o + y[n]];
        if (nats) nats[n] = lse - logits[o + y[n]];
      }
      if (grad) {
        if (!use) {
          logits.fill(0, o, o + V);
        } else {
          for (let j = 0; j < V; j++) logits[o + j] = Math.exp(logits[o + j] - lse) * gradScale;
          logits[o + y[n]] -= gradScale;
        }
      }
    }
    if (!grad) return { sumNats };
    const dl = logits;
    const dIn = matmul(dl, N, V, this.W.asMat());
    this.W.touchRows(0, V);
    matmulTN(dl, N, V, h, D, this.W.grad);
    addColSums(dl, N, V, this.b.grad);
    return { sumNats, dIn };
  }

  probs(h: Float32Array): Float32Array {
    const V = this.V;
    this.W.freshAll();
    const logits = matmul(h, 1, this.inputSize, this.W.asMatT());
    for (let j = 0; j < V; j++) logits[j] += this.b.data[j];
    const lse = logSumExp(logits, 0, V);
    for (let j = 0; j < V; j++) logits[j] = Math.exp(logits[j] - lse);
    return logits;
  }
}
