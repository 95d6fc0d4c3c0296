/**
 * GRU layer (the cuDNN/PyTorch form: n = tanh(Wx_n x + b_xn + r ⊙ (Wh_n h +
 * b_hn)), h' = (1 − z) ⊙ n + z ⊙ h), hand-written forward and backward through
 * time. Params: Wx (I×3H), Wh (H×3H), bx (3H), bh (3H); gate order r, z, n.
 * Pure logic.
 */
import type { InitName } from './api.js';
import type { CellCache, RecurrentCell } from './cell.js';
import { addColSums, matmul, matmulTN, sigmoid } from './linalg.js';
import { initWeight, Param } from './params.js';
import type { Mulberry32 } from '../util/random.js';

interface GruCache extends CellCache {
  X: Float32Array;
  gates: Float32Array; // T·B×3H: r z n
  hn: Float32Array; // T·B×H: Wh_n h + b_hn
  hs: Float32Array; // (T+1)·B×H
}

export class GruCell implements RecurrentCell {
  readonly params: Param[];
  readonly Wx: Param;
  readonly Wh: Param;
  readonly bx: Param;
  readonly bh: Param;
  readonly stateCount = 1;

  constructor(readonly name: string, readonly inputSize: number, readonly hidden: number) {
    const H = hidden;
    this.Wx = new Param(`${name}.Wx`, [inputSize, 3 * H], true);
    this.Wh = new Param(`${name}.Wh`, [H, 3 * H], true);
    this.bx = new Param(`${name}.bx`, [3 * H], false);
    this.bh = new Param(`${name}.bh`, [3 * H], false);
    this.params = [this.Wx, this.Wh, this.bx, this.bh];
  }

  init(init: InitName, scale: number, rng: Mulberry32): void {
    initWeight(this.Wx, init, scale, this.inputSize, this.hidden, false, rng);
    initWeight(this.Wh, init, scale, this.hidden, this.hidden, true, rng);
    this.bx.data.fill(0);
    this.bh.data.fill(0);
    this.bx.changed();
    this.bh.changed();
  }

  forward(X: Float32Array, T: number, B: number, state: Float32Array[], keep: boolean): { out: Float32Array; cache?: CellCache } {
    const H = this.hidden;
    const G = 3 * H;
    const BH = B * H;
    const zx = matmul(X, T * B, this.inputSize, this.Wx.asMat());
    const bx = this.bx.data;
    const bh = this.bh.data;
    const hs = new Float32Array((T + 1) * BH);
    const hn = new Float32Array(T * BH);
    hs.set(state[0]);
    const Wh = this.Wh.asMat();
    for (let t = 0; t < T; t++) {
      const zh = matmul(hs.subarray(t * BH, (t + 1) * BH), B, H, Wh);
      for (let b = 0; b < B; b++) {
        const zo = (t * B + b) * G;
        const ho = b * G;
        const so = b * H;
        for (let j = 0; j < H; j++) {
          const r = sigmoid(zx[zo + j] + bx[j] + zh[ho + j] + bh[j]);
          const zg = sigmoid(zx[zo + H + j] + bx[H + j] + zh[ho + H + j] + bh[H + j]);
          const hnj = zh[ho + 2 * H + j] + bh[2 * H + j];
          const n = Math.tanh(zx[zo + 2 * H + j] + bx[2 * H + j] + r * hnj);
          const hp = hs[t * BH + so + j];
          hs[(t + 1) * BH + so + j] = (1 - zg) * n + zg * hp;
          hn[t * BH + so + j] = hnj;
          zx[zo + j] = r;
          zx[zo + H + j] = zg;
          zx[zo + 2 * H + j] = n;
        }
      }
    }
    state[0].set(hs.subarray(T * BH));
    const out = hs.subarray(BH);
    if (!keep) return { out };
    const cache: GruCache = { T, B, X, gates: zx, hn, hs };
    return { out, cache };
  }

  backward(cache: CellCache, dOut: Float32Array): Float32Array {
    const { T, B, X, gates, hn, hs } = cache as GruCache;
    const H = this.hidden;
    const G = 3 * H;
    const BH = B * H;
    const dzx = new Float32Array(T * B * G);
    const dzh = new Float32Array(T * B * G);
    let dhNext: Float32Array = new Float32Array(BH);
    const WhT = this.Wh.asMatT();
    for (let t = T - 1; t >= 0; t--) {
      const direct = new Float32Array(BH);
      for (let b = 0; b < B; b++) {
        const zo = (t * B + b) * G;
        const so = b * H;
        for (let j = 0; j < H; j++) {
          const r = gates[zo + j];
          const zg = gates[zo + H + j];
          const n = gates[zo + 2 * H + j];
          const hp = hs[t * BH + so + j];
          const dh = dOut[t * BH + so + j] + dhNext[so + j];
          const dan = dh * (1 - zg) * (1 - n * n);
          const dr = dan * hn[t * BH + so + j] * r * (1 - r);
          const dzz = dh * (hp - n) * zg * (1 - zg);
          dzx[zo + j] = dr;
          dzh[zo + j] = dr;
          dzx[zo + H + j] = dzz;
          dzh[zo + H + j] = dzz;
          dzx[zo + 2 * H + j] = dan;
          dzh[zo + 2 * H + j] = dan * r;
          direct[so + j] = dh * zg;
        }
      }
      if (t > 0) dhNext = matmul(dzh.subarray(t * B * G, (t + 1) * B * G), B, G, WhT, direct, true);
    }
    matmulTN(hs.subarray(0, T * BH), T * B, H, dzh, G, this.Wh.grad);
    matmulTN(X, T * B, this.inputSize, dzx, G, this.Wx.grad);
    addColSums(dzx, T * B, G, this.bx.grad);
    addColSums(dzh, T * B, G, this.bh.grad);
    return matmul(dzx, T * B, G, this.Wx.asMatT());
  }
}
