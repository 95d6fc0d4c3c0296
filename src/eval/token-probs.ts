/**
 * token-probs: P(token i | everything before it) from a neural model for
 * every token of one continuous id stream (mixtures with an n-gram model).
 * Composition of the window/lanes stages and the model; no stream output.
 */
import type { NeuralLM } from '../neural/api.js';
import { windowBatches } from '../train/window.js';
import { arraySource, streamLanes } from '../train/lanes.js';

/** An async iterable of chunks of one id array (the stream stages' input). */
export async function* idChunks(ids: Int32Array, chunk = 8192): AsyncGenerator<Int32Array> {
  for (let i = 0; i < ids.length; i += chunk) yield ids.subarray(i, Math.min(i + chunk, ids.length));
}

/**
 * The probabilities as one stream from an empty state primed with `<s>` (as
 * window and lanes start a stream). With the model's optional `tokenNats`,
 * batched (windows of 512 for the MLP, one lane of 35 steps for recurrent
 * models, so the context is never cut); otherwise one token at a time with
 * `step`. Both are exact.
 */
export async function neuralTokenProbs(model: NeuralLM, ids: Int32Array, bosId = 1, onProgress?: (done: number) => void): Promise<Float64Array> {
  const out = new Float64Array(ids.length);
  if (model.tokenNats) {
    const c = model.config;
    const batches = c.arch === 'mlp'
      ? windowBatches({ order: c.order, batch: 512, mode: 'stream', bosId })(idChunks(ids))
      : streamLanes(arraySource(ids), { batch: 1, bptt: 35, bosId });
    model.resetState();
    let k = 0;
    let next = 10_000;
    for await (const b of batches) {
      const nats = await model.tokenNats(b);
      const n = b.kind === 'window' ? b.B : b.B * b.T;
      const mask = b.kind === 'seq' ? b.mask : undefined;
      for (let i = 0; i < n; i++) if (!mask || mask[i]) out[k++] = Math.exp(-nats[i]);
      if (onProgress && k >= next) { onProgress(k); next += 10_000; }
    }
    model.resetState();
    if (k !== ids.length) throw new Error(`tokenNats scored ${k} of ${ids.length} tokens`);
    return out;
  }
  let { state, probs } = model.step(model.initialState(), bosId);
  for (let i = 0; i < ids.length; i++) {
    out[i] = probs[ids[i]];
    if (i + 1 < ids.length) ({ state, probs } = model.step(state, ids[i]));
    if (onProgress && (i + 1) % 10_000 === 0) {
      onProgress(i + 1);
      await new Promise<void>((r) => setImmediate(r));
    }
  }
  return out;
}
