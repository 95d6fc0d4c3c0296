/**
 * LSTM layer (gates i, f, g, o; no peepholes), hand-written forward and
 * backward through time. The input projection of all T steps is one product;
 * per step only h·Wh is multiplied; weight gradients are one product each
 * at the end. Params: Wx (I×4H), Wh (H×4H), b (4H). Pure logic.
 */
import { GateParams, type CellCache, type RecurrentCell } from './cell.js';
import { addColSums, matmul, matmulTN, nativeKernels, sigmoid } from './linalg.js';

interface LstmCache extends CellCache {
  X: Float32Array;
  gates: Float32Array; // T·B×4H: i f g o after activation
  hs: Float32Array; // (T+1)·B×H, hs[0] = initial h
  cs: Float32Array; // (T+1)·B×H
  tcs: Float32Array; // T·B×H: tanh(c_t)
}

export class LstmCell extends GateParams implements RecurrentCell {
  readonly stateCount = 2;

  constructor(name: string, inputSize: number, hidden: number) {
    super(name, inputSize, hidden, 4);
  }

  forward(X: Float32Array, T: number, B: number, state: Float32Array[], keep: boolean): { out: Float32Array; cache?: CellCache } {
    const H = this.hidden;
    const G = 4 * H;
    const BH = B * H;
    const z = matmul(X, T * B, this.inputSize, this.Wx.asMat());
    const bias = this.b.data;
    const hs = new Float32Array((T + 1) * BH);
    const cs = new Float32Array((T + 1) * BH);
    const tcs = new Float32Array(T * BH);
    hs.set(state[0]);
    cs.set(state[1]);
    const Wh = this.Wh.asMat();
    const nat = nativeKernels();
    for (let t = 0; t < T; t++) {
      matmul(hs.subarray(t * BH, (t + 1) * BH), B, H, Wh, z.subarray(t * B * G, (t + 1) * B * G), true);
      if (nat) {
        nat.lstmForward(z.subarray(t * B * G), bias, cs.subarray(t * BH), cs.subarray((t + 1) * BH), tcs.subarray(t * BH), hs.subarray((t + 1) * BH), B, H);
        continue;
      }
      for (let b = 0; b < B; b++) {
        const zo = (t * B + b) * G;
        const so = b * H;
        const prev = t * BH + so;
        const cur = (t + 1) * BH + so;
        for (let j = 0; j < H; j++) {
          const ig = sigmoid(z[zo + j] + bias[j]);
          const fg = sigmoid(z[zo + H + j] + bias[H + j]);
          const gg = Math.tanh(z[zo + 2 * H + j] + bias[2 * H + j]);
          const og = sigmoid(z[zo + 3 * H + j] + bias[3 * H + j]);
          const c = fg * cs[prev + j] + ig * gg;
          const tc = Math.tanh(c);
          cs[cur + j] = c;
          tcs[t * BH + so + j] = tc;
          hs[cur + j] = og * tc;
          z[zo + j] = ig;
          z[zo + H + j] = fg;
          z[zo + 2 * H + j] = gg;
          z[zo + 3 * H + j] = og;
        }
      }
    }
    state[0].set(hs.subarray(T * BH));
    state[1].set(cs.subarray(T * BH));
    const out = hs.subarray(BH);
    if (!keep) return { out };
    const cache: LstmCache = { T, B, X, gates: z, hs, cs, tcs };
    return { out, cache };
  }

  backward(cache: CellCache, dOut: Float32Array): Float32Array {
    const { T, B, X, gates, hs, cs, tcs } = cache as LstmCache;
    const H = this.hidden;
    const G = 4 * H;
    const BH = B * H;
    const dz = new Float32Array(T * B * G);
    let dhNext: Float32Array = new Float32Array(BH);
    const dcNext = new Float32Array(BH);
    const WhT = this.Wh.asMatT();
    const nat = nativeKernels();
    for (let t = T - 1; t >= 0; t--) {
      if (nat) {
        nat.lstmBackward(gates.subarray(t * B * G), tcs.subarray(t * BH), cs.subarray(t * BH), dOut.subarray(t * BH), dhNext, dcNext, dz.subarray(t * B * G), B, H);
        if (t > 0) dhNext = matmul(dz.subarray(t * B * G, (t + 1) * B * G), B, G, WhT, dhNext);
        continue;
      }
      for (let b = 0; b < B; b++) {
        const zo = (t * B + b) * G;
        const so = b * H;
        for (let j = 0; j < H; j++) {
          const ig = gates[zo + j];
          const fg = gates[zo + H + j];
          const gg = gates[zo + 2 * H + j];
          const og = gates[zo + 3 * H + j];
          const tc = tcs[t * BH + so + j];
          const dh = dOut[t * BH + so + j] + dhNext[so + j];
          const dc = dcNext[so + j] + dh * og * (1 - tc * tc);
          dz[zo + j] = dc * gg * ig * (1 - ig);
          dz[zo + H + j] = dc * cs[t * BH + so + j] * fg * (1 - fg);
          dz[zo + 2 * H + j] = dc * ig * (1 - gg * gg);
          dz[zo + 3 * H + j] = dh * tc * og * (1 - og);
          dcNext[so + j] = dc * fg;
        }
      }
      if (t > 0) dhNext = matmul(dz.subarray(t * B * G, (t + 1) * B * G), B, G, WhT, dhNext);
    }
    matmulTN(hs.subarray(0, T * BH), T * B, H, dz, G, this.Wh.grad);
    matmulTN(X, T * B, this.inputSize, dz, G, this.Wx.grad);
    addColSums(dz, T * B, G, this.b.grad);
    return matmul(dz, T * B, G, this.Wx.asMatT());
  }
}
