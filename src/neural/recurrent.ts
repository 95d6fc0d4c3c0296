/**
 * Recurrent language models (rnn, lstm, gru): embedding → L recurrent layers
 * → full or class softmax, optional weight tying, dropout on the
 * non-recurrent connections, truncated BPTT with the hidden state of each
 * lane carried (detached) from one batch to the next. Hand-written backward.
 */
import type { Batch, GenState, NeuralConfig, SeqBatch } from './api.js';
import type { CellCache, RecurrentCell } from './cell.js';
import { checkIds, dropoutMask, dropped, gatherRows, maskInPlace, scatterAddRows } from './embedding.js';
import { GruCell } from './gru.js';
import { LstmCell } from './lstm.js';
import { makeOutput, type ModelExtras } from './make-output.js';
import { BaseLM, type NamedArray } from './model-base.js';
import type { OutputLayer } from './output.js';
import { fillUniform, Param } from './params.js';
import { Mulberry32 } from '../util/random.js';
import { RnnCell } from './rnn.js';

/** generation state of a recurrent model: per layer [h] or [h, c], each of length H */
export interface RecurrentGenState {
  layers: Float32Array[][];
}

export class RecurrentLM extends BaseLM {
  readonly emb: Param;
  readonly cells: RecurrentCell[];
  readonly output: OutputLayer;
  /** carried state: per layer, per state kind, B×H */
  private carried: Float32Array[][] = [];
  private carriedB = 0;

  constructor(config: NeuralConfig, extras: ModelExtras = {}) {
    super(config);
    const { vocabSize: V, embed: E, hidden: H, layers: L } = config;
    if (!(L >= 1)) throw new Error('layers must be at least 1');
    this.emb = new Param('embedding', [V, E], true);
    this.cells = [];
    for (let l = 0; l < L; l++) {
      const I = l === 0 ? E : H;
      const name = `layer${l}`;
      this.cells.push(config.arch === 'lstm' ? new LstmCell(name, I, H) : config.arch === 'gru' ? new GruCell(name, I, H) : new RnnCell(name, I, H));
    }
    let W: Param;
    if (config.tie) {
      if (E !== H) throw new Error(`weight tying needs embed (${E}) equal to hidden (${H})`);
      W = this.emb;
    } else {
      W = new Param('out.W', [V, H], true);
    }
    this.output = makeOutput(config, H, W, extras);
    const seen = new Set<Param>();
    for (const p of [this.emb, ...this.cells.flatMap((c) => c.params), ...this.output.params]) {
      if (!seen.has(p)) {
        seen.add(p);
        this.params.push(p);
      }
    }
    // gradients by rows (row-sparse SGD): the inputs' embeddings, the target classes' output rows
    const classOut = config.softmax === 'class';
    this.emb.rowwise = classOut || !config.tie;
    W.rowwise = classOut;
    W.fusable = classOut && !config.tie; // tied, the embedding's gradient lands in the same rows
    // initialisation, in a fixed order from the seed
    const rng = Mulberry32.fromSeed(config.seed, 1);
    fillUniform(this.emb, config.initScale, rng);
    for (const c of this.cells) c.init(config.init, config.initScale, rng);
    this.initOutput(rng, this.emb);
    this.setupOptimizer();
  }

  resetState(): void {
    for (const layer of this.carried) for (const s of layer) s.fill(0);
  }

  private ensureState(B: number): void {
    if (this.carriedB === B) return;
    const H = this.config.hidden;
    this.carried = this.cells.map((c) => Array.from({ length: c.stateCount }, () => this.stateArray(B * H)));
    this.carriedB = B;
  }

  /** the carried lane state, flat: layer 0 [h, c], layer 1 …, each B×H (copies) */
  getCarriedState(): Float32Array[] {
    return this.carried.flat().map((a) => Float32Array.from(a));
  }

  setCarriedState(state: Float32Array[]): void {
    const H = this.config.hidden;
    const want = this.cells.reduce((s, c) => s + c.stateCount, 0);
    if (state.length !== want) throw new Error(`carried state: ${state.length} arrays, the model has ${want}`);
    const B = state.length ? state[0].length / H : 0;
    if (!Number.isInteger(B) || state.some((a) => a.length !== B * H)) throw new Error(`carried state: arrays must all be B×${H}`);
    this.ensureState(B);
    let k = 0;
    for (const layer of this.carried) for (const s of layer) s.set(state[k++]);
  }

  /** a copy of the carried lane state (for tests and tools) */
  snapshotState(): Float32Array[][] {
    return this.carried.map((l) => l.map((s) => Float32Array.from(s)));
  }

  restoreState(s: Float32Array[][]): void {
    this.setCarriedState(s.flat());
  }

  /** carried-state storage: shared with the gradient worker when there is one */
  private stateArray(n: number): Float32Array {
    return this.worker ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
  }

  protected override threadsChanged(): void {
    // the same carried state, on storage shared with the worker (or not)
    const old = this.getCarriedState();
    this.carriedB = -1;
    this.carried = [];
    if (old.length && old[0].length) this.setCarriedState(old);
  }

  protected override carriedState(): NamedArray[] {
    const H = this.config.hidden;
    const out: NamedArray[] = [];
    this.carried.forEach((layer, l) => layer.forEach((s, k) => out.push({ name: `state/layer${l}/${k}`, shape: [this.carriedB, H], data: s })));
    return out;
  }

  protected override restoreCarriedState(m: Map<string, Float32Array>): void {
    const h0 = m.get('state/layer0/0');
    if (!h0) return;
    const B = h0.length / this.config.hidden;
    this.ensureState(B);
    this.carried.forEach((layer, l) =>
      layer.forEach((s, k) => {
        const a = m.get(`state/layer${l}/${k}`);
        if (!a || a.length !== s.length) throw new Error(`optimizer state: bad carried state layer${l}/${k}`);
        s.set(a);
      }),
    );
  }

  protected checkBatch(batch: Batch): SeqBatch {
    if (batch.kind !== 'seq') throw new Error(`${this.config.arch} models take sequence batches, got '${batch.kind}'`);
    const { B, T } = batch;
    if (batch.x.length !== B * T || batch.y.length !== B * T) throw new Error(`sequence batch: x and y must have B·T = ${B * T} ids`);
    if (batch.reset.length !== B) throw new Error(`sequence batch: reset must have B = ${B} flags`);
    if (batch.mask && batch.mask.length !== B * T) throw new Error(`sequence batch: mask must have B·T = ${B * T} flags`);
    checkIds(batch.y, this.config.vocabSize, 'y');
    return batch;
  }

  /**
   * Forward over the batch (time-major internally); backward and update when
   * `train`. `part` (data-parallel training): run on these state arrays (the
   * lanes of this batch), scale the gradient by `scale` (1 / all tokens of the
   * whole batch), never update.
   */
  run(batch: SeqBatch, train: boolean, update = true, nats?: Float32Array, part?: { state: Float32Array[][]; scale: number }): { sumNats: number; tokens: number } {
    const { B, T } = batch;
    const N = B * T;
    let state: Float32Array[][];
    if (part) {
      state = part.state;
      update = false;
    } else {
      this.ensureState(B);
      state = this.carried;
    }
    for (let b = 0; b < B; b++) {
      if (batch.reset[b]) for (const layer of state) for (const s of layer) s.fill(0, b * this.config.hidden, (b + 1) * this.config.hidden);
    }
    // lane-major → time-major
    const x = new Int32Array(N);
    const y = new Int32Array(N);
    let counted: Uint8Array | undefined;
    let tokens = N;
    if (batch.mask) {
      counted = new Uint8Array(N);
      tokens = 0;
    }
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        x[t * B + b] = batch.x[b * T + t];
        y[t * B + b] = batch.y[b * T + t];
        if (counted) {
          const c = batch.mask![b * T + t] ? 1 : 0;
          counted[t * B + b] = c;
          tokens += c;
        }
      }
    }
    const p = train ? this.config.dropout : 0;
    const E = this.config.embed;
    const H = this.config.hidden;
    const masks: (Float32Array | undefined)[] = [];
    const caches: CellCache[] = [];
    let X = gatherRows(this.emb, x);
    let m = p > 0 ? dropoutMask(N * E, p, this.dropoutRng) : undefined;
    masks.push(m);
    X = dropped(X, m);
    this.cells.forEach((cell, l) => {
      const r = cell.forward(X, T, B, state[l], train);
      if (r.cache) caches.push(r.cache);
      m = p > 0 ? dropoutMask(N * H, p, this.dropoutRng) : undefined;
      masks.push(m);
      X = dropped(r.out, m);
    });
    if (train) this.optimizer.zeroGrad(update);
    if (!train || tokens === 0) {
      const res = this.output.run(X, N, y, counted, 0, nats);
      return { sumNats: res.sumNats, tokens };
    }
    const res = this.output.run(X, N, y, counted, part ? part.scale : 1 / tokens);
    let d = res.dIn!;
    for (let l = this.cells.length - 1; l >= 0; l--) {
      maskInPlace(d, masks[l + 1]);
      d = this.cells[l].backward(caches[l], d);
    }
    maskInPlace(d, masks[0]);
    scatterAddRows(this.emb, x, d);
    if (update) this.optimizer.step();
    return { sumNats: res.sumNats, tokens };
  }

  /** data-parallel step: lanes [0, B1) here, [B1, B) in the worker, gradients summed, one update */
  protected async parallelStep(batch: SeqBatch): Promise<{ sumNats: number; tokens: number }> {
    const { B, T } = batch;
    const H = this.config.hidden;
    this.ensureState(B);
    for (let b = 0; b < B; b++) {
      if (batch.reset[b]) for (const layer of this.carried) for (const s of layer) s.fill(0, b * H, (b + 1) * H);
    }
    let tokens = B * T;
    if (batch.mask) tokens = batch.mask.reduce((a, v) => a + (v ? 1 : 0), 0);
    if (tokens === 0) return { sumNats: 0, tokens: 0 };
    const B1 = Math.ceil(B / 2);
    const lanes = (lo: number, hi: number): SeqBatch => ({
      kind: 'seq', B: hi - lo, T,
      x: batch.x.slice(lo * T, hi * T), y: batch.y.slice(lo * T, hi * T),
      reset: new Uint8Array(hi - lo), mask: batch.mask?.slice(lo * T, hi * T),
    });
    const scale = 1 / tokens;
    const flat = this.carried.flat();
    const pending = this.worker!.compute({
      batch: lanes(B1, B), scale,
      state: { buffers: flat.map((a) => a.buffer as SharedArrayBuffer), offset: B1 * H, length: (B - B1) * H, counts: this.cells.map((c) => c.stateCount) },
    });
    let mine: { sumNats: number; tokens: number };
    try {
      mine = this.run(lanes(0, B1), true, false, undefined, { state: this.carried.map((l) => l.map((s) => s.subarray(0, B1 * H))), scale });
    } finally {
      await pending.catch(() => undefined);
    }
    const theirs = await pending;
    await this.parallelUpdate();
    return { sumNats: mine.sumNats + theirs.sumNats, tokens };
  }

  /** −ln P(y) of every position, lane-major like the batch (0 where masked); no update, carries state */
  async tokenNats(batch: Batch): Promise<Float32Array> {
    const b = this.checkBatch(batch);
    const tm = new Float32Array(b.B * b.T);
    this.run(b, false, false, tm);
    const out = new Float32Array(b.B * b.T);
    for (let l = 0; l < b.B; l++) for (let t = 0; t < b.T; t++) out[l * b.T + t] = tm[t * b.B + l];
    return out;
  }

  initialState(): RecurrentGenState {
    const H = this.config.hidden;
    return { layers: this.cells.map((c) => Array.from({ length: c.stateCount }, () => new Float32Array(H))) };
  }

  step(state: GenState, token: number): { state: RecurrentGenState; probs: Float32Array } {
    const st = state as RecurrentGenState;
    const next: RecurrentGenState = { layers: st.layers.map((l) => l.map((s) => Float32Array.from(s))) };
    let X = gatherRows(this.emb, [token]);
    this.cells.forEach((cell, l) => {
      X = Float32Array.from(cell.forward(X, 1, 1, next.layers[l], false).out);
    });
    return { state: next, probs: this.output.probs(X) };
  }
}
