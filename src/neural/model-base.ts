/**
 * What every neural model shares: the parameter list, the optimiser, the
 * dropout random stream, the learning rate, and saving in the tfjs weights
 * manifest format.
 *
 * Files written by `save(dir)` (each atomically):
 * - `weights.bin` + `model.json`: `{format: 'lmstream-neural', version,
 *   config, classBounds?, weightsManifest: [{paths: ['weights.bin'], weights:
 *   [{name, shape, dtype: 'float32'}]}]}`. This is the weights-manifest form
 *   of a tfjs model.json (no Layers topology: the models are hand-written).
 *   Read it with `tf.io.decodeWeights(bin, manifest[0].weights)` (a
 *   NamedTensorMap) or `loadModel(dir)` from src/neural/index.ts.
 * - `optimizer.bin` + `optimizer.json`: the same manifest form for the
 *   optimiser slots (`slot/param`), the carried recurrent state
 *   (`state/…`), plus the step count, learning rate and dropout RNG state.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Batch, GenState, NeuralConfig, NeuralLM, StepResult } from './api.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import { Optimizer, type OptimState } from './optim.js';
import type { OutputLayer } from './output.js';
import { fillUniform, type Param } from './params.js';
import { ClassSoftmax } from './softmax-class.js';
import { Mulberry32 } from '../util/random.js';
import { GradWorker } from './parallel.js';

export const MODEL_FORMAT = 'lmstream-neural';
export const OPTIM_FORMAT = 'lmstream-neural-optimizer';
export const FORMAT_VERSION = 1;

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

export interface ModelJSON {
  format: typeof MODEL_FORMAT;
  version: number;
  config: NeuralConfig;
  classBounds?: number[];
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

export interface OptimizerJSON {
  format: typeof OPTIM_FORMAT;
  version: number;
  optimizer: string;
  step: number;
  learningRate: number;
  dropoutRng: number;
  /** dropout RNG of the data-parallel gradient worker */
  workerRng?: number;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Concatenate arrays into one little-endian float32 buffer + its manifest entries */
export function packWeights(arrs: NamedArray[]): { buf: Buffer; specs: WeightSpec[] } {
  const total = arrs.reduce((s, a) => s + a.data.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const a of arrs) {
    all.set(a.data, o);
    o += a.data.length;
  }
  return {
    buf: Buffer.from(all.buffer, all.byteOffset, all.byteLength),
    specs: arrs.map((a) => ({ name: a.name, shape: a.shape, dtype: 'float32' })),
  };
}

/** The inverse of packWeights: name → Float32Array */
export function unpackWeights(buf: Uint8Array, specs: WeightSpec[], file: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  let o = 0;
  for (const s of specs) {
    if (s.dtype !== 'float32') throw new Error(`${file}: weight ${s.name} has dtype ${s.dtype}, expected float32`);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if ((o + n) * 4 > buf.byteLength) throw new Error(`${file}: too short for weight ${s.name}`);
    const copy = new Uint8Array(buf.buffer, buf.byteOffset + o * 4, n * 4).slice();
    out.set(s.name, new Float32Array(copy.buffer));
    o += n;
  }
  if (o * 4 !== buf.byteLength) throw new Error(`${file}: ${buf.byteLength} bytes, manifest describes ${o * 4}`);
  return out;
}

export abstract class BaseLM implements NeuralLM {
  readonly params: Param[] = [];
  optimizer!: Optimizer;
  dropoutRng: Mulberry32;
  /** the data-parallel gradient worker, when threads > 1 */
  protected worker: GradWorker | undefined;
  /** the worker's dropout RNG (it lives here so that checkpoints keep it) */
  workerRng: Mulberry32;

  constructor(readonly config: NeuralConfig) {
    this.dropoutRng = Mulberry32.fromSeed(config.seed, 7);
    this.workerRng = Mulberry32.fromSeed(config.seed, 8);
  }

  /**
   * Data-parallel training on `threads` (1 or 2) threads: a worker_thread
   * holds a replica whose weights share memory with this model; each
   * trainStep splits the lanes (windows) in two, both halves compute
   * gradients at once, they are summed and one update is applied. Results
   * are deterministic for a given thread count (dropout masks of the second
   * half come from a separate stream, saved with the optimiser state).
   */
  async setThreads(threads: number): Promise<void> {
    if (threads !== 1 && threads !== 2) throw new Error(`threads must be 1 or 2, got ${threads}`);
    if ((threads === 2) === !!this.worker) return;
    const shared = (n: number) => new Float32Array(new SharedArrayBuffer(n * 4));
    const local = (n: number) => new Float32Array(n);
    const alloc = threads === 2 ? shared : local;
    if (this.worker) {
      await this.worker.terminate();
      this.worker = undefined;
    }
    if (threads === 2) this.optimizer.setRowSparse(false); // the threads update halves of every array
    for (const p of this.params) p.rehome(alloc(p.size), alloc(p.size));
    this.optimizer.useSlots(Object.fromEntries(Object.entries(this.optimizer.slots).map(([k, arrs]) => [k, arrs.map((a) => alloc(a.length))])));
    if (threads === 2) this.worker = await GradWorker.start(this);
    else this.optimizer.setRowSparse(true);
    this.threadsChanged();
  }

  get threads(): number {
    return this.worker ? 2 : 1;
  }

  protected threadsChanged(): void {}

  /**
   * After both threads computed their gradients: sum them and update, each
   * thread on its half of every parameter (with a first pass for the global
   * norm when clipping).
   */
  protected async parallelUpdate(): Promise<void> {
    const opt = this.optimizer;
    const w = this.worker!;
    const theirs = w.grads;
    let scale = 1;
    if (opt.clip > 0) {
      const pending = w.updatePart({ type: 'sum' });
      const mine = opt.sumRange(0, 0.5, theirs);
      scale = opt.clipScale(Math.sqrt(mine + (await pending)));
    }
    opt.t++;
    const pending = w.updatePart({ type: 'update', sum: opt.clip <= 0, scale, lr: opt.lr, t: opt.t });
    try {
      if (opt.clip <= 0) opt.sumRange(0, 0.5, theirs, false);
      opt.update(scale, 0, 0.5);
    } finally {
      await pending;
    }
    for (const p of this.params) p.changed();
  }

  /** call at the end of the subclass constructor, once params are registered */
  protected setupOptimizer(): void {
    const names = new Set<string>();
    for (const p of this.params) {
      if (names.has(p.name)) throw new Error(`duplicate parameter name ${p.name}`);
      names.add(p.name);
    }
    const c = this.config;
    this.optimizer = new Optimizer(c.optimizer, this.params, c.lr, c.l2, c.clip);
    this.optimizer.setRowSparse(true);
  }

  get learningRate(): number {
    return this.optimizer.lr;
  }
  set learningRate(v: number) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`learning rate must be a finite number >= 0, got ${v}`);
    this.optimizer.lr = v;
  }

  /** the softmax layer (full or class) */
  abstract readonly output: OutputLayer;

  /** one data-parallel step (threads = 2): half the batch here, half in the worker, one update */
  protected abstract parallelStep(batch: Batch): Promise<{ sumNats: number; tokens: number }>;

  async trainStep(batch: Batch): Promise<StepResult> {
    const b = this.checkBatch(batch);
    const r = this.worker && b.B >= 2 ? await this.parallelStep(b) : this.run(b, true);
    return { loss: r.tokens > 0 ? r.sumNats / r.tokens : 0, tokens: r.tokens };
  }
  /** the batch, checked to be of this model's kind and shape */
  protected abstract checkBatch(batch: Batch): Batch;
  /** forward over a checked batch; backward and update when `train` (see the subclasses) */
  abstract run(batch: Batch, train: boolean, update?: boolean, nats?: Float32Array): { sumNats: number; tokens: number };

  async evaluate(batch: Batch): Promise<{ sumNats: number; tokens: number }> {
    return this.run(this.checkBatch(batch), false);
  }

  /** evaluate, synchronously */
  evaluateSync(batch: Batch): { sumNats: number; tokens: number } {
    return this.run(this.checkBatch(batch), false);
  }

  /** gradients only (no update), for gradient checks: returns the mean loss */
  computeGradients(batch: Batch): number {
    const r = this.run(this.checkBatch(batch), true, false);
    return r.sumNats / r.tokens;
  }
  abstract resetState(): void;
  abstract initialState(): GenState;
  abstract step(state: GenState, token: number): { state: GenState; probs: Float32Array };

  /** class boundaries of a class softmax (for replicas) */
  classBoundsList(): number[] | undefined {
    return this.extraJSON().classBounds;
  }

  /** extra model.json fields (class boundaries) */
  protected extraJSON(): Partial<ModelJSON> {
    return this.output instanceof ClassSoftmax ? { classBounds: Array.from(this.output.bounds) } : {};
  }

  /** the output layer's weight matrices from `rng`: uniform ±initScale, or Glorot uniform; `skip`: a tied embedding */
  protected initOutput(rng: Mulberry32, skip?: Param): void {
    const c = this.config;
    for (const p of this.output.params) {
      if (p === skip || p.shape.length !== 2) continue;
      fillUniform(p, c.init === 'uniform' ? c.initScale : Math.sqrt(6 / (p.cols + p.rows)), rng);
    }
  }
  /** carried recurrent state to checkpoint */
  protected carriedState(): NamedArray[] {
    return [];
  }
  protected restoreCarriedState(_m: Map<string, Float32Array>): void {}

  async save(dir: string): Promise<void> {
    await fsp.mkdir(dir, { recursive: true });
    this.syncWeights();
    const w = packWeights(this.params.map((p) => ({ name: p.name, shape: p.shape, data: p.data })));
    await atomicWriteFile(path.join(dir, 'weights.bin'), w.buf);
    const mj: ModelJSON = {
      format: MODEL_FORMAT,
      version: FORMAT_VERSION,
      config: this.config,
      ...this.extraJSON(),
      weightsManifest: [{ paths: ['weights.bin'], weights: w.specs }],
    };
    await atomicWriteFile(path.join(dir, 'model.json'), JSON.stringify(mj, null, 1) + '\n');
    const st = this.optimizer.exportState();
    const arrs: NamedArray[] = [];
    for (const [slot, list] of Object.entries(st.slots)) {
      list.forEach((a, i) => arrs.push({ name: `${slot}/${this.params[i].name}`, shape: this.params[i].shape, data: a }));
    }
    arrs.push(...this.carriedState());
    const o = packWeights(arrs);
    await atomicWriteFile(path.join(dir, 'optimizer.bin'), o.buf);
    const oj: OptimizerJSON = {
      format: OPTIM_FORMAT,
      version: FORMAT_VERSION,
      optimizer: st.name,
      step: st.t,
      learningRate: this.optimizer.lr,
      dropoutRng: this.dropoutRng.state,
      workerRng: this.workerRng.state,
      weightsManifest: [{ paths: ['optimizer.bin'], weights: o.specs }],
    };
    await atomicWriteFile(path.join(dir, 'optimizer.json'), JSON.stringify(oj, null, 1) + '\n');
  }

  /**
   * Apply the deferred L2 decay of row-sparse SGD to every row, so that each
   * param's `data` holds the weights of the dense update. `save` does it; do
   * it before reading `params[i].data` directly.
   */
  syncWeights(): void {
    for (const p of this.params) p.freshAll();
  }

  /** set the weights from a name → data map (from model.json/weights.bin) */
  setWeights(m: Map<string, Float32Array>, file = 'weights'): void {
    const sparse = this.optimizer.rowSparse;
    this.optimizer.setRowSparse(false);
    for (const p of this.params) {
      const d = m.get(p.name);
      if (!d) throw new Error(`${file}: missing weight ${p.name}`);
      if (d.length !== p.size) throw new Error(`${file}: weight ${p.name} has ${d.length} values, expected ${p.size}`);
      p.data.set(d);
      p.changed();
    }
    if (sparse) this.optimizer.setRowSparse(true);
  }

  /** restore the optimiser state saved by `save` */
  loadOptimizer(oj: OptimizerJSON, m: Map<string, Float32Array>, file = 'optimizer'): void {
    if (oj.format !== OPTIM_FORMAT) throw new Error(`${file}: not an lmstream optimizer state (format ${JSON.stringify(oj.format)})`);
    const slots: Record<string, Float32Array[]> = {};
    for (const slot of Object.keys(this.optimizer.slots)) {
      slots[slot] = this.params.map((p) => {
        const a = m.get(`${slot}/${p.name}`);
        if (!a) throw new Error(`${file}: missing ${slot}/${p.name}`);
        return a;
      });
    }
    const st: OptimState = { name: oj.optimizer as OptimState['name'], t: oj.step, slots };
    this.optimizer.importState(st);
    this.optimizer.lr = oj.learningRate;
    this.dropoutRng.state = oj.dropoutRng >>> 0;
    if (oj.workerRng !== undefined) this.workerRng.state = oj.workerRng >>> 0;
    this.restoreCarriedState(m);
  }

  dispose(): void {
    for (const p of this.params) p.dispose();
    if (this.worker) void this.worker.terminate();
    this.worker = undefined;
  }
}
