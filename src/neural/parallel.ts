/**
 * The main-thread side of data-parallel training: a worker_thread with a
 * replica of the model (src/neural/parallel-worker.ts). The weights are
 * SharedArrayBuffers written only by the main thread's optimiser, between
 * steps; the worker's gradients are SharedArrayBuffers read by the main
 * thread after the worker answered. One request at a time.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Batch, NeuralConfig } from './api.js';
import type { BaseLM } from './model-base.js';

export interface WorkerRequest {
  batch: Batch;
  scale: number;
  /** recurrent: the carried-state arrays (shared) and this worker's lane slice of each */
  state?: { buffers: SharedArrayBuffer[]; offset: number; length: number; counts: number[] };
}

export interface WorkerInit {
  config: NeuralConfig;
  classBounds?: number[];
  weights: SharedArrayBuffer[];
  grads: SharedArrayBuffer[];
}

/** the compiled worker script (beside this file in dist, or dist/ when running from the TS sources) */
function workerScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const local = path.join(here, 'parallel-worker.js');
  if (existsSync(local)) return local;
  let dir = here;
  for (let i = 0; i < 4; i++) {
    const cand = path.join(dir, 'dist', 'src', 'neural', 'parallel-worker.js');
    if (existsSync(cand)) return cand;
    dir = path.dirname(dir);
  }
  throw new Error('parallel-worker.js not found: build the project (npx tsc -p .) to train on 2 threads');
}

export class GradWorker {
  private waiting: { resolve: (v: { sumNats: number; tokens: number }) => void; reject: (e: Error) => void } | undefined;
  private failed: Error | undefined;

  private constructor(private readonly w: Worker, readonly grads: Float32Array[], private readonly model: BaseLM) {
    w.on('message', (m: { type: string; sumNats?: number; tokens?: number; rng?: number; message?: string }) => {
      const p = this.waiting;
      this.waiting = undefined;
      this.w.unref(); // idle: do not keep the process alive
      if (!p) return;
      if (m.type === 'done') {
        this.model.workerRng.state = m.rng! >>> 0;
        p.resolve({ sumNats: m.sumNats!, tokens: m.tokens! });
      } else p.reject(new Error(`gradient worker: ${m.message}`));
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
    };
    const w = new Worker(workerScript(), { workerData: init });
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

  compute(req: WorkerRequest): Promise<{ sumNats: number; tokens: number }> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.waiting) return Promise.reject(new Error('gradient worker is busy'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.w.ref(); // busy: keep the process alive until the answer
      this.w.postMessage({ ...req, rng: this.model.workerRng.state });
    });
  }

  async terminate(): Promise<void> {
    this.w.removeAllListeners('exit');
    await this.w.terminate();
  }
}
