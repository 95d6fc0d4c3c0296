/**
 * Runs an exported model (./layers.ts layouts) one token at a time in plain
 * JavaScript: no TensorFlow.js, no Node imports, so it is what the browser
 * module generates with. Same interface as a src/neural model for generation
 * (`config`, `initialState`, `step`), so NeuralSource drives it.
 *
 * Input: model.json's weights manifest, the weight bytes (all shards in
 * manifest order), lmstream.json (./meta.ts). Output: P(next | history) as a
 * Float32Array per step.
 * Arithmetic: float32 weights, products accumulated in float32 arrays (as a
 * BLAS sgemm does), soft-max in float64: the probabilities equal lmstream's
 * to float rounding (about 1e-7).
 * State held: the weights (once) and, per generation, h (and c) of each layer
 * or the mlp's context.
 */
import type { NeuralConfig } from '../neural/api.js';
import type { ExportMeta } from './meta.js';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype?: string;
}

/** model.json `weightsManifest` + the concatenated shard bytes → name → Float32Array */
export function decodeWeights(specs: readonly WeightEntry[], data: ArrayBuffer | Uint8Array): Map<string, Float32Array> {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const out = new Map<string, Float32Array>();
  let o = 0;
  for (const s of specs) {
    if ((s.dtype ?? 'float32') !== 'float32') throw new Error(`weight ${s.name}: dtype ${s.dtype}, expected float32`);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (o + n * 4 > bytes.byteLength) throw new Error(`weights: too short for ${s.name}`);
    const a = new Float32Array(n);
    new Uint8Array(a.buffer).set(bytes.subarray(o, o + n * 4)); // a copy, aligned (a Buffer's slice is a view)
    out.set(s.name, a);
    o += n * 4;
  }
  if (o !== bytes.byteLength) throw new Error(`weights: ${bytes.byteLength} bytes, the manifest describes ${o}`);
  return out;
}

/** y (n) += x (k) · W (k×n, row-major) */
function gemvAdd(x: Float32Array, W: Float32Array, y: Float32Array): void {
  const n = y.length;
  const k = x.length;
  for (let i = 0; i < k; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const o = i * n;
    for (let j = 0; j < n; j++) y[j] += xi * W[o + j];
  }
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** in place: softmax of a[o, o+n) (float64 sums) */
function softmaxInPlace(a: Float32Array, o: number, n: number, logScale = 0): void {
  let mx = -Infinity;
  for (let j = 0; j < n; j++) if (a[o + j] > mx) mx = a[o + j];
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(a[o + j] - mx);
  const lse = mx + Math.log(s);
  for (let j = 0; j < n; j++) a[o + j] = Math.exp(logScale + a[o + j] - lse);
}

interface Layer {
  kind: 'rnn' | 'lstm' | 'gru';
  Wx: Float32Array;
  Wh: Float32Array;
  b: Float32Array;
  /** gru: recurrent bias */
  bh?: Float32Array;
}

export interface RecurrentRunState {
  layers: Float32Array[][];
}
export interface MlpRunState {
  context: Int32Array;
}

export class ExportedModel {
  readonly config: NeuralConfig;
  private readonly emb: Float32Array;
  private readonly layers: Layer[] = [];
  private readonly hiddenW?: Float32Array;
  private readonly hiddenB?: Float32Array;
  private readonly outK: Float32Array;
  private readonly outB: Float32Array;
  private readonly classK?: Float32Array;
  private readonly classB?: Float32Array;
  private readonly bounds?: number[];
  private readonly N: number;
  private readonly padId: number;

  constructor(readonly meta: ExportMeta, w: Map<string, Float32Array>) {
    const c = (this.config = meta.config);
    const get = (name: string, size: number): Float32Array => {
      const a = w.get(name);
      if (!a) throw new Error(`model.json: no weight ${name}`);
      if (a.length !== size) throw new Error(`model.json: weight ${name} has ${a.length} values, expected ${size}`);
      return a;
    };
    const { vocabSize: V, embed: E, hidden: H } = c;
    this.emb = get('embedding/embeddings', V * E);
    this.N = meta.contextLength ?? 0;
    this.padId = meta.padId ?? 1;
    let D = H;
    if (c.arch === 'mlp') {
      const X = this.N * E;
      this.hiddenW = get('hidden/kernel', X * H);
      this.hiddenB = get('hidden/bias', H);
      if (c.direct) D = H + X;
    } else {
      const g = c.arch === 'lstm' ? 4 : c.arch === 'gru' ? 3 : 1;
      for (let l = 0; l < c.layers; l++) {
        const I = l === 0 ? E : H;
        const p = `rnn${l}/`;
        const kind = c.arch as Layer['kind'];
        this.layers.push(kind === 'gru'
          ? { kind, Wx: get(p + 'kernel', I * g * H), Wh: get(p + 'recurrent_kernel', H * g * H), b: get(p + 'input_bias', g * H), bh: get(p + 'recurrent_bias', g * H) }
          : { kind, Wx: get(p + 'kernel', I * g * H), Wh: get(p + 'recurrent_kernel', H * g * H), b: get(p + 'bias', g * H) });
      }
    }
    this.outK = get('output/kernel', D * V);
    this.outB = get('output/bias', V);
    if (c.softmax === 'class') {
      const bounds = meta.classBounds;
      if (!bounds || bounds[0] !== 0 || bounds[bounds.length - 1] !== V) throw new Error('lmstream.json: classBounds must run from 0 to the vocabulary size');
      this.bounds = bounds;
      const C = bounds.length - 1;
      this.classK = get('output/class_kernel', D * C);
      this.classB = get('output/class_bias', C);
    }
  }

  initialState(): RecurrentRunState | MlpRunState {
    if (this.config.arch === 'mlp') return { context: new Int32Array(this.N).fill(this.padId) };
    const H = this.config.hidden;
    return { layers: this.layers.map((l) => Array.from({ length: l.kind === 'lstm' ? 2 : 1 }, () => new Float32Array(H))) };
  }

  private embedding(id: number): Float32Array {
    const { vocabSize: V, embed: E } = this.config;
    if (!(id >= 0 && id < V) || !Number.isInteger(id)) throw new Error(`token id ${id} outside the vocabulary (size ${V})`);
    return this.emb.subarray(id * E, id * E + E);
  }

  /** feed one token: the new state and P(next | history), length vocabSize */
  step(state: unknown, token: number): { state: RecurrentRunState | MlpRunState; probs: Float32Array } {
    if (this.config.arch === 'mlp') {
      const st = state as MlpRunState;
      const context = new Int32Array(this.N);
      context.set(st.context.subarray(1));
      context[this.N - 1] = token;
      const E = this.config.embed;
      const H = this.config.hidden;
      const X = new Float32Array(this.N * E);
      for (let i = 0; i < this.N; i++) X.set(this.embedding(context[i]), i * E);
      const A = Float32Array.from(this.hiddenB!);
      gemvAdd(X, this.hiddenW!, A);
      for (let j = 0; j < H; j++) A[j] = Math.tanh(A[j]);
      let Z = A;
      if (this.config.direct) {
        Z = new Float32Array(H + X.length);
        Z.set(A);
        Z.set(X, H);
      }
      return { state: { context }, probs: this.output(Z) };
    }
    const st = state as RecurrentRunState;
    const H = this.config.hidden;
    const next: RecurrentRunState = { layers: [] };
    let x: Float32Array = this.embedding(token);
    for (let l = 0; l < this.layers.length; l++) {
      const L = this.layers[l];
      const h = st.layers[l][0];
      if (L.kind === 'gru') {
        const zx = Float32Array.from(L.b);
        gemvAdd(x, L.Wx, zx);
        const zh = Float32Array.from(L.bh!);
        gemvAdd(h, L.Wh, zh);
        const hn = new Float32Array(H);
        for (let j = 0; j < H; j++) {
          const r = sigmoid(zx[j] + zh[j]);
          const z = sigmoid(zx[H + j] + zh[H + j]);
          const n = Math.tanh(zx[2 * H + j] + r * zh[2 * H + j]);
          hn[j] = (1 - z) * n + z * h[j];
        }
        next.layers.push([hn]);
        x = hn;
        continue;
      }
      const z = Float32Array.from(L.b);
      gemvAdd(x, L.Wx, z);
      gemvAdd(h, L.Wh, z);
      const hn = new Float32Array(H);
      if (L.kind === 'rnn') {
        for (let j = 0; j < H; j++) hn[j] = Math.tanh(z[j]);
        next.layers.push([hn]);
      } else {
        const c = st.layers[l][1];
        const cn = new Float32Array(H);
        for (let j = 0; j < H; j++) {
          const ig = sigmoid(z[j]);
          const fg = sigmoid(z[H + j]);
          const gg = Math.tanh(z[2 * H + j]);
          const og = sigmoid(z[3 * H + j]);
          cn[j] = fg * c[j] + ig * gg;
          hn[j] = og * Math.tanh(cn[j]);
        }
        next.layers.push([hn, cn]);
      }
      x = hn;
    }
    return { state: next, probs: this.output(x) };
  }

  private output(h: Float32Array): Float32Array {
    const V = this.config.vocabSize;
    const logits = Float32Array.from(this.outB);
    gemvAdd(h, this.outK, logits);
    if (!this.bounds) {
      softmaxInPlace(logits, 0, V);
      return logits;
    }
    const C = this.bounds.length - 1;
    const lc = Float32Array.from(this.classB!);
    gemvAdd(h, this.classK!, lc);
    let mx = -Infinity;
    for (let j = 0; j < C; j++) if (lc[j] > mx) mx = lc[j];
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(lc[j] - mx);
    const lse = mx + Math.log(s);
    for (let c = 0; c < C; c++) softmaxInPlace(logits, this.bounds[c], this.bounds[c + 1] - this.bounds[c], lc[c] - lse);
    return logits;
  }
}
