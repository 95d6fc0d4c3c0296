/**
 * lmstream neural weights → a tfjs Layers model (functional), exactly.
 *
 * Input: the model's NeuralConfig, its weights by lmstream name (see
 * src/neural: `embedding`, `layer{l}.Wx|Wh|b|bx|bh`, `hidden.W|b`, `out.W`,
 * `out.b`, `out.class.W|b`) and the class boundaries of a class softmax.
 * Output: a `tf.LayersModel` whose `predict` gives next-token probabilities:
 *
 * - rnn/lstm/gru: input ids [B, T] (int32) → `embedding` (Embedding, V×E) →
 *   `rnn0` … `rnn{L−1}` (all steps returned, zero initial state) → `output`
 *   → P(next | ids[0..t]) as [B, T, V].
 *     rnn:  SimpleRNN, tanh; kernel = Wx [I, H], recurrent_kernel = Wh [H, H], bias = b.
 *     lstm: LSTM, recurrent activation sigmoid (tfjs's default is hard
 *           sigmoid), no unit-forget-bias; gate blocks i, f, c(=g), o, the
 *           same order as lmstream's Wx [I, 4H], Wh [H, 4H], b [4H].
 *     gru:  LmstreamGRU (custom, ./custom-layers.ts): reset-after, gates r, z, n.
 * - mlp: input the n−1 context ids [B, n−1] (oldest first; `<s>`, id 1, pads
 *   the start of a text) → `embedding` → `flatten` (the embeddings side by
 *   side) → `hidden` (Dense tanh, kernel = hidden.W [(n−1)E, h]) → with direct
 *   connections `concat` [hidden, flatten] → `output` → [B, V].
 * - output: full softmax → Dense(V, softmax), kernel = out.Wᵀ [D, V] (lmstream
 *   stores one row per word, W [V, D]; tied models copy the embedding);
 *   class softmax → LmstreamClassSoftmax (custom), class_kernel = out.class.Wᵀ,
 *   kernel = out.Wᵀ, bounds = the class boundaries.
 *
 * Dropout is a training device and is left out. Needs TensorFlow.js (the
 * caller passes its namespace).
 */
import type * as TF from './tf.js';
import type { NeuralConfig } from '../neural/api.js';
import { registerLmstreamLayers } from './custom-layers.js';

type Tf = TF.Tf;

/** [rows, cols] row-major → its transpose [cols, rows] */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  if (a.length !== rows * cols) throw new Error(`transpose: ${a.length} values for ${rows}x${cols}`);
  const t = new Float32Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
  return t;
}

function need(w: Map<string, Float32Array>, name: string, size: number): Float32Array {
  const a = w.get(name);
  if (!a) throw new Error(`weights: missing ${name}`);
  if (a.length !== size) throw new Error(`weights: ${name} has ${a.length} values, expected ${size}`);
  return a;
}

/** Build the Layers model for `config` with the given weights (see the file comment). */
export function buildLayersModel(tf: Tf, config: NeuralConfig, w: Map<string, Float32Array>, classBounds?: ArrayLike<number>): TF.LayersModel {
  const custom = registerLmstreamLayers(tf);
  const { vocabSize: V, embed: E, hidden: H } = config;
  const sets: [TF.layers.Layer, Float32Array[]][] = [];
  const recurrent = config.arch !== 'mlp';
  const N = config.order - 1;
  const input = tf.input({ shape: recurrent ? [null] : [N], dtype: 'int32', name: 'ids' });
  // every weight is set below: zero initialisers skip tfjs's costly orthogonal/Glorot draws
  const z = { kernelInitializer: 'zeros', biasInitializer: 'zeros' } as const;
  const emb = tf.layers.embedding({ inputDim: V, outputDim: E, name: 'embedding', embeddingsInitializer: 'zeros' });
  sets.push([emb, [need(w, 'embedding', V * E)]]);
  let x = emb.apply(input) as TF.SymbolicTensor;
  let D: number;
  if (recurrent) {
    for (let l = 0; l < config.layers; l++) {
      const I = l === 0 ? E : H;
      const p = `layer${l}`;
      const name = `rnn${l}`;
      let layer: TF.layers.Layer;
      let ws: Float32Array[];
      if (config.arch === 'gru') {
        const Ctor = tf.serialization.SerializationMap.getMap().classNameMap[custom.gru][0] as unknown as new (a: object) => TF.layers.Layer;
        layer = new Ctor({ units: H, name });
        ws = [need(w, `${p}.Wx`, I * 3 * H), need(w, `${p}.Wh`, H * 3 * H), need(w, `${p}.bx`, 3 * H), need(w, `${p}.bh`, 3 * H)];
      } else if (config.arch === 'lstm') {
        layer = tf.layers.lstm({ units: H, returnSequences: true, recurrentActivation: 'sigmoid', unitForgetBias: false, name, ...z, recurrentInitializer: 'zeros' });
        ws = [need(w, `${p}.Wx`, I * 4 * H), need(w, `${p}.Wh`, H * 4 * H), need(w, `${p}.b`, 4 * H)];
      } else {
        layer = tf.layers.simpleRNN({ units: H, returnSequences: true, activation: 'tanh', name, ...z, recurrentInitializer: 'zeros' });
        ws = [need(w, `${p}.Wx`, I * H), need(w, `${p}.Wh`, H * H), need(w, `${p}.b`, H)];
      }
      sets.push([layer, ws]);
      x = layer.apply(x) as TF.SymbolicTensor;
    }
    D = H;
  } else {
    const flat = tf.layers.flatten({ name: 'flatten' }).apply(x) as TF.SymbolicTensor;
    const hidden = tf.layers.dense({ units: H, activation: 'tanh', name: 'hidden', ...z });
    sets.push([hidden, [need(w, 'hidden.W', N * E * H), need(w, 'hidden.b', H)]]);
    x = hidden.apply(flat) as TF.SymbolicTensor;
    D = H;
    if (config.direct) {
      x = tf.layers.concatenate({ axis: -1, name: 'concat' }).apply([x, flat]) as TF.SymbolicTensor;
      D = H + N * E;
    }
  }
  const outW = config.tie ? need(w, 'embedding', V * E) : need(w, 'out.W', V * D);
  let out: TF.layers.Layer;
  if (config.softmax === 'class') {
    if (!classBounds) throw new Error('a class-softmax model needs its class boundaries');
    const bounds = Array.from(classBounds);
    const C = bounds.length - 1;
    const Ctor = tf.serialization.SerializationMap.getMap().classNameMap[custom.classSoftmax][0] as unknown as new (a: object) => TF.layers.Layer;
    out = new Ctor({ bounds, name: 'output' });
    sets.push([out, [transpose(need(w, 'out.class.W', C * D), C, D), need(w, 'out.class.b', C), transpose(outW, V, D), need(w, 'out.b', V)]]);
  } else {
    out = tf.layers.dense({ units: V, activation: 'softmax', name: 'output', ...z });
    sets.push([out, [transpose(outW, V, D), need(w, 'out.b', V)]]);
  }
  const probs = out.apply(x) as TF.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: probs, name: 'lmstream' });
  for (const [layer, arrs] of sets) {
    const shapes = layer.getWeights().map((t) => t.shape);
    if (shapes.length !== arrs.length) throw new Error(`layer ${layer.name}: ${shapes.length} weights, ${arrs.length} given`);
    const ts = arrs.map((a, i) => tf.tensor(a, shapes[i], 'float32'));
    layer.setWeights(ts);
    tf.dispose(ts);
  }
  return model;
}

/** The files of a saved Layers model: `model.json` content and the weight bytes. */
export interface LayersArtifacts {
  modelTopology: object;
  weightSpecs: TF.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** `model.save` into memory. */
export async function layersArtifacts(tf: Tf, model: TF.LayersModel): Promise<LayersArtifacts> {
  let got: LayersArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    const data = a.weightData;
    const buf = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data as ArrayBuffer);
    got = { modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs ?? [], weightData: buf };
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!got) throw new Error('model.save gave no artifacts');
  return got;
}
