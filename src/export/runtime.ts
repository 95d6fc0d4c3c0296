/**
 * Runs an exported model (./layers.ts layouts) one token at a time in plain
 * JavaScript: no TensorFlow.js, no Node imports, so it is what the browser
 * module generates with. Same interface as a src/neural model for generation
 * (`config`, `initialState`, `step`), so NeuralSource drives it.
 *
 * Input: model.json's weights manifest, the weight bytes (all shards in
 * manifest order), lmstream.json (./meta.ts). Output: P(next | history) as a
 * Float32Array per step.
 * Arithmetic: float32 weights, stored transposed at load so that every
 * output is one contiguous dot product (for rnn/lstm over [x, h] at once),
 * by ./gemv.ts (wasm SIMD, else plain JavaScript); soft-max in float64: the
 * probabilities equal lmstream's to float rounding (about 1e-6).
 * State held: the weights (once) and, per generation, h (and c) of each layer
 * or the mlp's context.
 */
import type { NeuralConfig } from '../neural/api.js';
import type { ExportMeta } from './meta.js';
import { bestGemv, type Gemv } from './gemv.js';

type Product = (x: Float32Array) => Float32Array;

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

/** [A (ka×n); B (kb×n)] stacked, transposed: (n×(ka+kb)) */
function stackT(A: Float32Array, ka: number, B: Float32Array | undefined, kb: number, n: number): Float32Array {
  const k = ka + kb;
  const t = new Float32Array(n * k);
  for (let i = 0; i < ka; i++) for (let j = 0; j < n; j++) t[j * k + i] = A[i * n + j];
  if (B) for (let i = 0; i < kb; i++) for (let j = 0; j < n; j++) t[j * k + ka + i] = B[i * n + j];
  return t;
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
  /** rnn/lstm: [x, h] → b + [Wx; Wh]ᵀ·[x, h]; gru: x → bx + Wxᵀ·x */
  mx: Product;
  /** gru: h → bh + Whᵀ·h */
  mh?: Product;
  /** rnn/lstm: the [x, h] input buffer */
  xh?: Float32Array;
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
  private readonly hidden?: Product;
  private readonly out: Product;
  private readonly cls?: Product;
  /** how the products run: 'wasm' (SIMD) or 'js' */
  readonly gemv: Gemv['kind'];
  private readonly bounds?: number[];
  private readonly N: number;
  private readonly padId: number;

  constructor(readonly meta: ExportMeta, w: Map<string, Float32Array>, g: Gemv = bestGemv()) {
    const c = (this.config = meta.config);
    this.gemv = g.kind;
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
      this.hidden = g.matrix(stackT(get('hidden/kernel', X * H), X, undefined, 0, H), H, X, get('hidden/bias', H));
      if (c.direct) D = H + X;
    } else {
      const gates = c.arch === 'lstm' ? 4 : c.arch === 'gru' ? 3 : 1;
      for (let l = 0; l < c.layers; l++) {
        const I = l === 0 ? E : H;
        const p = `rnn${l}/`;
        const kind = c.arch as Layer['kind'];
        const Wx = get(p + 'kernel', I * gates * H);
        const Wh = get(p + 'recurrent_kernel', H * gates * H);
        const G = gates * H;
        this.layers.push(kind === 'gru'
          ? { kind, mx: g.matrix(stackT(Wx, I, undefined, 0, G), G, I, get(p + 'input_bias', G)), mh: g.matrix(stackT(Wh, H, undefined, 0, G), G, H, get(p + 'recurrent_bias', G)) }
          : { kind, mx: g.matrix(stackT(Wx, I, Wh, H, G), G, I + H, get(p + 'bias', G)), xh: new Float32Array(I + H) });
      }
    }
    this.out = g.matrix(stackT(get('output/kernel', D * V), D, undefined, 0, V), V, D, get('output/bias', V));
    if (c.softmax === 'class') {
      const bounds = meta.classBounds;
      if (!bounds || bounds[0] !== 0 || bounds[bounds.length - 1] !== V) throw new Error('lmstream.json: classBounds must run from 0 to the vocabulary size');
      this.bounds = bounds;
      const C = bounds.length - 1;
      this.cls = g.matrix(stackT(get('output/class_kernel', D * C), D, undefined, 0, C), C, D, get('output/class_bias', C));
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
      const A = Float32Array.from(this.hidden!(X));
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
        const zx = L.mx(x);
        const zh = L.mh!(h);
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
      const xh = L.xh!;
      xh.set(x);
      xh.set(h, x.length);
      const z = L.mx(xh);
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
    const logits = Float32Array.from(this.out(h)); // a copy: the probabilities outlive the next product
    if (!this.bounds) {
      softmaxInPlace(logits, 0, V);
      return logits;
    }
    const C = this.bounds.length - 1;
    const lc = this.cls!(h);
    let mx = -Infinity;
    for (let j = 0; j < C; j++) if (lc[j] > mx) mx = lc[j];
    let s = 0;
    for (let j = 0; j < C; j++) s += Math.exp(lc[j] - mx);
    const lse = mx + Math.log(s);
    for (let c = 0; c < C; c++) softmaxInPlace(logits, this.bounds[c], this.bounds[c + 1] - this.bounds[c], lc[c] - lse);
    return logits;
  }
}
