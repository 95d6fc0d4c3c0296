/**
 * worker_thread entry of data-parallel training (see parallel.ts): builds a
 * replica of the model whose weights are the main thread's shared arrays,
 * then answers gradient requests for its share of each batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend.js';
import type { SeqBatch, WindowBatch } from './api.js';
import { MlpLM } from './mlp.js';
import { Optimizer } from './optim.js';
import type { UpdateRequest, WorkerInit, WorkerRequest } from './parallel.js';
import { Param } from './params.js';
import { RecurrentLM } from './recurrent.js';

const init = workerData as WorkerInit;
const port = parentPort!;

try {
  await initBackend(undefined, () => {});
  const extras = { classBounds: init.classBounds };
  const model = init.config.arch === 'mlp' ? new MlpLM(init.config, extras) : new RecurrentLM(init.config, extras);
  model.optimizer.setRowSparse(false); // gradients only: the main thread keeps dense arrays
  model.params.forEach((p, i) => p.rehome(new Float32Array(init.weights[i]), new Float32Array(init.grads[i]), false));
  const own = model.params.map((p) => p.grad);
  // the optimiser's view: shared weights, the main thread's gradients and slots
  const views = model.params.map((p, i) => {
    const v = new Param(p.name, p.shape, p.decay);
    v.rehome(new Float32Array(init.weights[i]), new Float32Array(init.mainGrads[i]), false);
    return v;
  });
  const c = init.config;
  const opt = new Optimizer(c.optimizer, views, c.lr, c.l2, c.clip);
  opt.useSlots(Object.fromEntries(Object.entries(init.slots).map(([k, bufs]) => [k, bufs.map((b) => new Float32Array(b))])), false);
  port.on('message', (req: (WorkerRequest & { rng: number }) | UpdateRequest) => {
    try {
      if (req.type === 'sum') {
        port.postMessage({ type: 'sum', sumsq: opt.sumRange(0.5, 1, own) });
        return;
      }
      if (req.type === 'update') {
        if (req.sum) opt.sumRange(0.5, 1, own, false);
        opt.lr = req.lr;
        opt.t = req.t;
        opt.update(req.scale, 0.5, 1);
        port.postMessage({ type: 'updated' });
        return;
      }
      for (const p of model.params) p.changed(); // the main thread updated the weights
      model.dropoutRng.state = req.rng >>> 0;
      let r: { sumNats: number; tokens: number };
      if (model instanceof RecurrentLM) {
        const st = req.state!;
        const state: Float32Array[][] = [];
        let k = 0;
        for (const n of st.counts) {
          const layer: Float32Array[] = [];
          for (let j = 0; j < n; j++) layer.push(new Float32Array(st.buffers[k++], st.offset * 4, st.length));
          state.push(layer);
        }
        r = model.run(req.batch as SeqBatch, true, false, undefined, { state, scale: req.scale });
      } else {
        r = model.run(req.batch as WindowBatch, true, false, undefined, { scale: req.scale });
      }
      port.postMessage({ type: 'done', sumNats: r.sumNats, tokens: r.tokens, rng: model.dropoutRng.state });
    } catch (e) {
      port.postMessage({ type: 'error', message: (e as Error)?.message ?? String(e) });
    }
  });
  port.postMessage({ type: 'ready' });
} catch (e) {
  port.postMessage({ type: 'error', message: (e as Error)?.message ?? String(e) });
}
