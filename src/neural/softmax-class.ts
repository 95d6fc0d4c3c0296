/**
 * Class-factored softmax (Mikolov et al. 2011): P(w | h) = P(c(w) | h) ·
 * P(w | c(w), h), classes being contiguous id ranges. Training and scoring
 * cost O(D·(C + |class|)) per token instead of O(D·V); the probabilities are
 * exact (each factor is a normalised softmax). Hand-written gradient.
 *
 * Params: class weights Wc (C×D) and bias bc (C); word weights W (V×D, one
 * row per word, can be tied to the embedding) and bias b (V).
 * Pure logic.
 */
import { addColSums, gemmTNInto, matmul, matmulArr, matmulArrT, matmulTN } from './linalg.js';
import { logSumExp, type OutputLayer, type OutputResult } from './output.js';
import { Param } from './params.js';
import { classOfIds } from './classes.js';

export class ClassSoftmax implements OutputLayer {
  readonly params: Param[];
  readonly Wc: Param;
  readonly bc: Param;
  readonly b: Param;
  readonly C: number;
  readonly bounds: Int32Array;
  readonly classOf: Int32Array;

  constructor(readonly V: number, readonly inputSize: number, readonly W: Param, bounds: ArrayLike<number>) {
    if (W.rows !== V || W.cols !== inputSize) throw new Error(`output weights must be ${V}x${inputSize}`);
    this.bounds = Int32Array.from(bounds);
    this.classOf = classOfIds(this.bounds, V);
    this.C = this.bounds.length - 1;
    this.Wc = new Param('out.class.W', [this.C, inputSize], true);
    this.bc = new Param('out.class.b', [this.C], false);
    this.b = new Param('out.b', [V], false);
    this.params = [this.Wc, this.bc, W, this.b];
  }

  run(h: Float32Array, N: number, y: Int32Array, counted: Uint8Array | undefined, gradScale: number, nats?: Float32Array): OutputResult {
    const { C, V } = this;
    const D = this.inputSize;
    const grad = gradScale > 0;
    let sumNats = 0;
    // class part: N×C
    const lc = matmul(h, N, D, this.Wc.asMatT());
    const bc = this.bc.data;
    for (let n = 0; n < N; n++) {
      const o = n * C;
      for (let j = 0; j < C; j++) lc[o + j] += bc[j];
      if (y[n] < 0 || y[n] >= V) throw new Error(`target id ${y[n]} outside the vocabulary (size ${V})`);
      const cy = this.classOf[y[n]];
      const lse = logSumExp(lc, o, C);
      const use = !counted || counted[n] !== 0;
      if (use) {
        sumNats += lse - lc[o + cy];
        if (nats) nats[n] = lse - lc[o + cy];
      }
      if (grad) {
        if (!use) lc.fill(0, o, o + C);
        else {
          for (let j = 0; j < C; j++) lc[o + j] = Math.exp(lc[o + j] - lse) * gradScale;
          lc[o + cy] -= gradScale;
        }
      }
    }
    let dIn: Float32Array | undefined;
    if (grad) {
      dIn = matmul(lc, N, C, this.Wc.asMat());
      matmulTN(lc, N, C, h, D, this.Wc.grad);
      addColSums(lc, N, C, this.bc.grad);
    }
    // word part, grouped by class so each class's rows are read once
    const order: number[][] = Array.from({ length: C }, () => []);
    for (let n = 0; n < N; n++) if (!counted || counted[n] !== 0) order[this.classOf[y[n]]].push(n);
    const b = this.b.data;
    const gW = this.W.grad;
    const gb = this.b.grad;
    for (let c = 0; c < C; c++) {
      const toks = order[c];
      const m = toks.length;
      if (m === 0) continue;
      const s = this.bounds[c];
      const K = this.bounds[c + 1] - s;
      // this class's rows of W (K×D) are contiguous; the tokens' inputs gathered (m×D)
      this.W.freshRows(s, s + K);
      const fuse = grad ? this.W.sparse?.fuse : undefined;
      if (grad && !fuse) this.W.touchRows(s, s + K);
      const Wk = this.W.data.subarray(s * D, (s + K) * D);
      const Hm = new Float32Array(m * D);
      for (let i = 0; i < m; i++) Hm.set(h.subarray(toks[i] * D, (toks[i] + 1) * D), i * D);
      const lw = matmulArrT(Hm, m, D, Wk, K);
      for (let i = 0; i < m; i++) {
        const o = i * K;
        for (let j = 0; j < K; j++) lw[o + j] += b[s + j];
        const yi = y[toks[i]] - s;
        const lse = logSumExp(lw, o, K);
        sumNats += lse - lw[o + yi];
        if (nats) nats[toks[i]] += lse - lw[o + yi];
        if (grad) {
          for (let j = 0; j < K; j++) lw[o + j] = Math.exp(lw[o + j] - lse) * gradScale;
          lw[o + yi] -= gradScale;
        }
      }
      if (!grad) continue;
      const dHm = matmulArr(lw, m, K, Wk, D);
      for (let i = 0; i < m; i++) {
        const ho = toks[i] * D;
        for (let d = 0; d < D; d++) dIn![ho + d] += dHm[i * D + d];
      }
      if (fuse) {
        // this step's SGD on the class's rows, in place: W ← f·W − a·lwᵀ·H
        gemmTNInto(lw, m, K, Hm, D, Wk, -fuse.a, fuse.f);
        this.W.settleRows(s, s + K, fuse.next);
      } else {
        matmulTN(lw, m, K, Hm, D, gW.subarray(s * D, (s + K) * D));
      }
      addColSums(lw, m, K, gb.subarray(s, s + K));
    }
    return { sumNats, dIn };
  }

  probs(h: Float32Array): Float32Array {
    const { C, V } = this;
    const D = this.inputSize;
    const lc = matmul(h, 1, D, this.Wc.asMatT());
    for (let j = 0; j < C; j++) lc[j] += this.bc.data[j];
    const lsec = logSumExp(lc, 0, C);
    this.W.freshAll();
    const lw = matmul(h, 1, D, this.W.asMatT());
    const out = new Float32Array(V);
    for (let c = 0; c < C; c++) {
      const s = this.bounds[c];
      const K = this.bounds[c + 1] - s;
      for (let j = 0; j < K; j++) lw[s + j] += this.b.data[s + j];
      const lse = logSumExp(lw, s, K);
      const lpc = lc[c] - lsec;
      for (let j = 0; j < K; j++) out[s + j] = Math.exp(lpc + lw[s + j] - lse);
    }
    return out;
  }
}
