/**
 * The main-thread side of data-parallel training: a worker_thread with a
 * replica of the model (src/neural/parallel-worker.ts). The weights are
 * SharedArrayBuffers written only by the main thread's optimiser, between
 * steps; the worker's gradients are SharedArrayBuffers read by the main
 * thread after the worker answered. One request at a time.
 */
import { Worker } from 'node:worker_threads';
import type { Batch, NeuralConfig } from './api.js';
import type { BaseLM } from './model-base.js';
import { workerScript } from '../util/worker-script.js';


export interface WorkerRequest {
  type: 'grad';
  batch: Batch;
  scale: number;
  /** recurrent: the carried-state arrays (shared) and this worker's lane slice of each */
  state?: { buffers: SharedArrayBuffer[]; offset: number; length: number; counts: number[] };
}

/**
 * The update, split between the threads: the worker adds its gradient into
 * the main gradient and updates the upper half of every parameter ('sum'
 * first when clipping needs the global norm).
 */
export type UpdateRequest =
  | { type: 'sum' }
  | { type: 'update'; sum: boolean; scale: number; lr: number; t: number };

export interface WorkerInit {
  config: NeuralConfig;
  classBounds?: number[];
  weights: SharedArrayBuffer[];
  /** the worker's own gradients */
  grads: SharedArrayBuffer[];
  /** the main thread's gradients and optimiser slots, for the split update */
  mainGrads: SharedArrayBuffer[];
  slots: Record<string, SharedArrayBuffer[]>;
}

interface Reply {
  type: string;
  sumNats?: number;
  tokens?: number;
  rng?: number;
  sumsq?: number;
  message?: string;
}

/** the compiled worker script (beside this file in dist, or dist/ when running from the TS sources) */
function parallelWorkerScript(): string {
  const f = workerScript(import.meta.url, 'neural', 'parallel-worker.js');
  if (!f) throw new Error('parallel-worker.js not found: build the project (npx tsc -p .) to train on 2 threads');
  return f;
}

export class GradWorker {
  private waiting: { resolve: (v: Reply) => void; reject: (e: Error) => void } | undefined;
  private failed: Error | undefined;

  private constructor(private readonly w: Worker, readonly grads: Float32Array[], private readonly model: BaseLM) {
    w.on('message', (m: Reply) => {
      const p = this.waiting;
      this.waiting = undefined;
      this.w.unref(); // idle: do not keep the process alive
      if (!p) return;
      if (m.type === 'error') p.reject(new Error(`gradient worker: ${m.message}`));
      else p.resolve(m);
    });
    const fail = (e: Error) => {
      this.failed = e;
      this.waiting?.reject(e);
      this.waiting = undefined;
    };
    w.on('error', (e) => fail(new Error(`gradient worker: ${e.message}`)));
    w.on('exit', (code) => fail(new Error(`gradient worker exited (code ${code})`)));
    w.unref();
  }

  static async start(model: BaseLM): Promise<GradWorker> {
    const grads = model.params.map((p) => new SharedArrayBuffer(p.size * 4));
    const init: WorkerInit = {
      config: model.config,
      classBounds: model.classBoundsList(),
      weights: model.params.map((p) => {
        if (!(p.data.buffer instanceof SharedArrayBuffer)) throw new Error('weights must be shared before starting the worker');
        return p.data.buffer;
      }),
      grads,
      mainGrads: model.params.map((p) => {
        if (!(p.grad.buffer instanceof SharedArrayBuffer)) throw new Error('gradients must be shared before starting the worker');
        return p.grad.buffer;
      }),
      slots: Object.fromEntries(Object.entries(model.optimizer.slots).map(([k, arrs]) => [k, arrs.map((a) => a.buffer as SharedArrayBuffer)])),
    };
    const w = new Worker(parallelWorkerScript(), { workerData: init });
    await new Promise<void>((resolve, reject) => {
      const onMsg = (m: { type: string; message?: string }) => {
        w.off('error', onErr);
        if (m.type === 'ready') resolve();
        else reject(new Error(`gradient worker: ${m.message}`));
      };
      const onErr = (e: Error) => reject(new Error(`gradient worker: ${e.message}`));
      w.once('message', onMsg);
      w.once('error', onErr);
    });
    return new GradWorker(w, grads.map((g) => new Float32Array(g)), model);
  }

  /** the worker's gradient of its share of a batch (into `grads`) */
  async compute(req: Omit<WorkerRequest, 'type'>): Promise<{ sumNats: number; tokens: number }> {
    const m = await this.request({ type: 'grad', ...req, rng: this.model.workerRng.state });
    this.model.workerRng.state = m.rng! >>> 0;
    return { sumNats: m.sumNats!, tokens: m.tokens! };
  }

  /** the worker's half of the update; for 'sum', its Σ g² */
  async updatePart(req: UpdateRequest): Promise<number> {
    return (await this.request(req)).sumsq ?? 0;
  }

  private request(msg: object): Promise<Reply> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.waiting) return Promise.reject(new Error('gradient worker is busy'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.w.ref(); // busy: keep the process alive until the answer
      this.w.postMessage(msg);
    });
  }

  async terminate(): Promise<void> {
    this.w.removeAllListeners('exit');
    await this.w.terminate();
  }
}
