/**
 * worker_thread entry of data-parallel training (see parallel.ts): builds a
 * replica of the model whose weights are the main thread's shared arrays,
 * then answers gradient requests for its share of each batch.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend.js';
import type { SeqBatch, WindowBatch } from './api.js';
import { MlpLM } from './mlp.js';
import type { WorkerInit, WorkerRequest } from './parallel.js';
import { RecurrentLM } from './recurrent.js';

const init = workerData as WorkerInit;
const port = parentPort!;

try {
  await initBackend(undefined, () => {});
  const extras = { classBounds: init.classBounds };
  const model = init.config.arch === 'mlp' ? new MlpLM(init.config, extras) : new RecurrentLM(init.config, extras);
  model.params.forEach((p, i) => p.rehome(new Float32Array(init.weights[i]), new Float32Array(init.grads[i]), false));
  port.on('message', (req: WorkerRequest & { rng: number }) => {
    try {
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
