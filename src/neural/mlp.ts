/**
 * The fixed-window neural language model of Bengio et al. (2003): the n−1
 * context embeddings concatenated (x) → tanh hidden layer → softmax, with
 * optional direct connections x → output (the output layer then reads
 * [tanh(x·Wh + bh), x]). Dropout on the embeddings and on the hidden layer.
 * Hand-written backward; the embedding gradient is a scatter-add.
 *
 * Generation pads the empty context with MLP_PAD_ID (`<s>`, id 1).
 */
import type { Batch, GenState, NeuralConfig, WindowBatch } from './api.js';
import { checkIds, dropoutMask, dropped, gatherRows, maskInPlace, scatterAddRows } from './embedding.js';
import { addColSums, matmul, matmulTN } from './linalg.js';
import { makeOutput, type ModelExtras } from './make-output.js';
import { BaseLM } from './model-base.js';
import type { OutputLayer } from './output.js';
import { fillUniform, initWeight, Param } from './params.js';
import { Mulberry32 } from '../util/random.js';

/** the id that fills the context before the first token in generation (`<s>`) */
export const MLP_PAD_ID = 1;

export interface MlpGenState {
  context: Int32Array;
}

export class MlpLM extends BaseLM {
  readonly emb: Param;
  readonly Wh: Param;
  readonly bh: Param;
  readonly output: OutputLayer;
  /** context length n−1 */
  readonly N: number;

  constructor(config: NeuralConfig, extras: ModelExtras = {}) {
    super(config);
    const { vocabSize: V, embed: m, hidden: h } = config;
    this.N = config.order - 1;
    if (!(this.N >= 1)) throw new Error(`mlp order must be at least 2, got ${config.order}`);
    if (config.tie) throw new Error('weight tying is for recurrent models');
    const X = this.N * m;
    this.emb = new Param('embedding', [V, m], true);
    this.Wh = new Param('hidden.W', [X, h], true);
    this.bh = new Param('hidden.b', [h], false);
    const D = h + (config.direct ? X : 0);
    const W = new Param('out.W', [V, D], true);
    this.output = makeOutput(config, D, W, extras);
    this.params.push(this.emb, this.Wh, this.bh, ...this.output.params);
    // gradients by rows: the context's embeddings, the target classes' output rows
    this.emb.rowwise = true;
    W.rowwise = config.softmax === 'class';
    W.fusable = W.rowwise; // the class softmax alone writes its gradient
    const rng = Mulberry32.fromSeed(config.seed, 1);
    fillUniform(this.emb, config.initScale, rng);
    initWeight(this.Wh, config.init, config.initScale, X, h, false, rng);
    this.initOutput(rng);
    this.setupOptimizer();
  }

  resetState(): void {}

  protected checkBatch(batch: Batch): WindowBatch {
    if (batch.kind !== 'window') throw new Error(`mlp models take window batches, got '${batch.kind}'`);
    if (batch.N !== this.N) throw new Error(`window batch has context length ${batch.N}, the model ${this.N} (order ${this.config.order})`);
    if (batch.context.length !== batch.B * batch.N || batch.next.length !== batch.B) throw new Error('window batch: context must have B·N ids and next B ids');
    checkIds(batch.next, this.config.vocabSize, 'next');
    return batch;
  }

  /** forward; backward and update when `train`; `part`: gradient scaled by `scale`, no update (data-parallel) */
  run(batch: WindowBatch, train: boolean, update = true, nats?: Float32Array, part?: { scale: number }): { sumNats: number; tokens: number } {
    const B = batch.B;
    if (part) update = false;
    const { embed: m, hidden: h } = this.config;
    const XW = this.N * m;
    const D = this.output.inputSize;
    const p = train ? this.config.dropout : 0;
    const mx = p > 0 ? dropoutMask(B * XW, p, this.dropoutRng) : undefined;
    const mh = p > 0 ? dropoutMask(B * h, p, this.dropoutRng) : undefined;
    const X = dropped(gatherRows(this.emb, batch.context), mx);
    const A = matmul(X, B, XW, this.Wh.asMat());
    const bh = this.bh.data;
    for (let i = 0; i < B; i++) for (let j = 0; j < h; j++) A[i * h + j] = Math.tanh(A[i * h + j] + bh[j]);
    const Hd = dropped(A, mh);
    let Z = Hd;
    if (this.config.direct) {
      Z = new Float32Array(B * D);
      for (let i = 0; i < B; i++) {
        Z.set(Hd.subarray(i * h, (i + 1) * h), i * D);
        Z.set(X.subarray(i * XW, (i + 1) * XW), i * D + h);
      }
    }
    if (!train || B === 0) {
      return { sumNats: this.output.run(Z, B, batch.next, undefined, 0, nats).sumNats, tokens: B };
    }
    this.optimizer.zeroGrad(update);
    const res = this.output.run(Z, B, batch.next, undefined, part ? part.scale : 1 / B);
    const dZ = res.dIn!;
    const dA = new Float32Array(B * h);
    const dX = new Float32Array(B * XW);
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < h; j++) dA[i * h + j] = dZ[i * D + j];
      if (this.config.direct) dX.set(dZ.subarray(i * D + h, (i + 1) * D), i * XW);
    }
    maskInPlace(dA, mh);
    for (let k = 0; k < B * h; k++) dA[k] *= 1 - A[k] * A[k];
    matmulTN(X, B, XW, dA, h, this.Wh.grad);
    addColSums(dA, B, h, this.bh.grad);
    matmul(dA, B, h, this.Wh.asMatT(), dX, true);
    maskInPlace(dX, mx);
    scatterAddRows(this.emb, batch.context, dX);
    if (update) this.optimizer.step();
    return { sumNats: res.sumNats, tokens: B };
  }

  /** data-parallel step: windows [0, B1) here, the rest in the worker, gradients summed, one update */
  protected async parallelStep(batch: WindowBatch): Promise<{ sumNats: number; tokens: number }> {
    const { B, N } = batch;
    const B1 = Math.ceil(B / 2);
    const rows = (lo: number, hi: number): WindowBatch => ({
      kind: 'window', B: hi - lo, N, context: batch.context.slice(lo * N, hi * N), next: batch.next.slice(lo, hi),
    });
    const scale = 1 / B;
    const pending = this.worker!.compute({ batch: rows(B1, B), scale });
    let mine: { sumNats: number; tokens: number };
    try {
      mine = this.run(rows(0, B1), true, false, undefined, { scale });
    } finally {
      await pending.catch(() => undefined);
    }
    const theirs = await pending;
    await this.parallelUpdate();
    return { sumNats: mine.sumNats + theirs.sumNats, tokens: B };
  }

  /** −ln P(next[b]) of every window; no update */
  async tokenNats(batch: Batch): Promise<Float32Array> {
    const b = this.checkBatch(batch);
    const out = new Float32Array(b.B);
    this.run(b, false, false, out);
    return out;
  }

  initialState(): MlpGenState {
    return { context: new Int32Array(this.N).fill(MLP_PAD_ID) };
  }

  step(state: GenState, token: number): { state: MlpGenState; probs: Float32Array } {
    const st = state as MlpGenState;
    const context = new Int32Array(this.N);
    context.set(st.context.subarray(1));
    context[this.N - 1] = token;
    const { embed: m, hidden: h } = this.config;
    const XW = this.N * m;
    const X = gatherRows(this.emb, context);
    const A = matmul(X, 1, XW, this.Wh.asMat());
    for (let j = 0; j < h; j++) A[j] = Math.tanh(A[j] + this.bh.data[j]);
    let Z = A;
    if (this.config.direct) {
      Z = new Float32Array(h + XW);
      Z.set(A);
      Z.set(X, h);
    }
    return { state: { context }, probs: this.output.probs(Z) };
  }
}
