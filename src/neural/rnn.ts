/**
 * Elman RNN layer, h_t = tanh(x_t·Wx + h_{t−1}·Wh + b), hand-written forward
 * and backward through time. Params: Wx (I×H), Wh (H×H), b (H). Pure logic.
 */
import { GateParams, type CellCache, type RecurrentCell } from './cell.js';
import { addColSums, matmul, matmulTN } from './linalg.js';

interface RnnCache extends CellCache {
  X: Float32Array;
  hs: Float32Array; // (T+1)·B×H
}

export class RnnCell extends GateParams implements RecurrentCell {
  readonly stateCount = 1;

  constructor(name: string, inputSize: number, hidden: number) {
    super(name, inputSize, hidden, 1);
  }

  forward(X: Float32Array, T: number, B: number, state: Float32Array[], keep: boolean): { out: Float32Array; cache?: CellCache } {
    const H = this.hidden;
    const BH = B * H;
    const z = matmul(X, T * B, this.inputSize, this.Wx.asMat());
    const bias = this.b.data;
    const hs = new Float32Array((T + 1) * BH);
    hs.set(state[0]);
    const Wh = this.Wh.asMat();
    for (let t = 0; t < T; t++) {
      const zt = z.subarray(t * BH, (t + 1) * BH);
      matmul(hs.subarray(t * BH, (t + 1) * BH), B, H, Wh, zt, true);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) hs[(t + 1) * BH + b * H + j] = Math.tanh(zt[b * H + j] + bias[j]);
      }
    }
    state[0].set(hs.subarray(T * BH));
    const out = hs.subarray(BH);
    if (!keep) return { out };
    const cache: RnnCache = { T, B, X, hs };
    return { out, cache };
  }

  backward(cache: CellCache, dOut: Float32Array): Float32Array {
    const { T, B, X, hs } = cache as RnnCache;
    const H = this.hidden;
    const BH = B * H;
    const dz = new Float32Array(T * BH);
    let dhNext: Float32Array = new Float32Array(BH);
    const WhT = this.Wh.asMatT();
    for (let t = T - 1; t >= 0; t--) {
      for (let i = 0; i < BH; i++) {
        const h = hs[(t + 1) * BH + i];
        dz[t * BH + i] = (dOut[t * BH + i] + dhNext[i]) * (1 - h * h);
      }
      if (t > 0) dhNext = matmul(dz.subarray(t * BH, (t + 1) * BH), B, H, WhT, dhNext);
    }
    matmulTN(hs.subarray(0, T * BH), T * B, H, dz, H, this.Wh.grad);
    matmulTN(X, T * B, this.inputSize, dz, H, this.Wx.grad);
    addColSums(dz, T * B, H, this.b.grad);
    return matmul(dz, T * B, H, this.Wx.asMatT());
  }
}
