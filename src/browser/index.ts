/**
 * The browser module: generation from an exported model (`lmstream export`)
 * in a web page, with no Node imports. Built into one ES module,
 * dist/browser/lmstream.js (pipelines/web/build.mjs, esbuild), and exported
 * by the package under the `browser` condition.
 *
 * Everything here is lmstream's own code, shared with Node: the tokenizers
 * (src/text), the incremental detokenizer, the sampler and its generator
 * (src/generate, src/util/random.ts), the generation loop (TokenLoop), the
 * adapters NeuralSource and NgramSource, the n-gram models (ARPA parser and
 * ArpaModel, the binary format and its HashedModel); the network of an export
 * runs in plain JavaScript + wasm SIMD (src/export/runtime.ts). So the same
 * model, prompt, settings and seed give the same text as `lmstream generate`
 * (neural: up to float rounding of the probabilities, ~1e-7, which could flip
 * a draw that falls within that distance of a boundary).
 *
 *   const m = await loadExport('/model/');          // lmstream.json, model.json, shards
 *   // or: await loadNgram('/lm.arpa')  (ARPA text or a binary model)
 *   const g = m.generate({ prompt: 'the', seed: 1, temperature: 0.8, maxTokens: 200 });
 *   out.textContent = g.echo;                        // the prompt as it is printed
 *   for (let c; (c = g.next()) !== null; ) out.textContent += c.text;
 */
import { ExportedModel, decodeWeights, type WeightEntry } from '../export/runtime.js';
import { checkMeta, type ExportMeta } from '../export/meta.js';
import type { Curve } from '../export/metrics.js';
import { NeuralSource } from '../generate/neural-source.js';
import { NgramSource } from '../generate/ngram-source.js';
import type { TokenSource } from '../generate/source.js';
import { ArpaParser } from '../ngram/arpa-read.js';
import { ArpaModel } from '../ngram/arpa-model.js';
import { isBinaryModel } from '../ngram/binary.js';
import { NgramLM } from '../ngram/ngram-lm.js';
import type { NgramModel } from '../ngram/api.js';
import { tokenizeWhitespace } from '../text/tokenize-whitespace.js';
import type { MarkerMode } from '../types.js';
import { TokenLoop, type StopReason } from '../generate/token-loop.js';
import { IncrementalDetokenizer, type DetokenizeLevel } from '../generate/detokenize-stage.js';
import { promptTokenizer } from '../generate/prompt.js';
import { checkSamplingOptions } from '../generate/sampling.js';

export { ExportedModel, decodeWeights } from '../export/runtime.js';
export { checkMeta, type ExportMeta } from '../export/meta.js';
export { curveSvg, type Curve } from '../export/metrics.js';
export { registerLmstreamLayers } from '../export/custom-layers.js';
export { NeuralSource } from '../generate/neural-source.js';
export { NgramSource } from '../generate/ngram-source.js';
export { NgramLM } from '../ngram/ngram-lm.js';
export { TokenLoop, type GeneratedToken, type StopReason } from '../generate/token-loop.js';
export { IncrementalDetokenizer, detokenizeTokens } from '../generate/detokenize-stage.js';
export { sampleId, samplingDistribution, checkSamplingOptions, type SamplingOptions } from '../generate/sampling.js';
export { Xoshiro128 } from '../util/random.js';
export { getTokenizer } from '../text/tokenizers.js';
export { detokenize } from '../text/detokenize.js';

export type FetchLike = (url: string) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; arrayBuffer(): Promise<ArrayBuffer> }>;

export interface GenerateSettings {
  /** text to continue (default none) */
  prompt?: string;
  temperature?: number;
  topK?: number;
  topP?: number;
  greedy?: boolean;
  seed?: number;
  /** sampled tokens at most (default 100; 0 = until `</s>`) */
  maxTokens?: number;
  noUnk?: boolean;
  /** print the prompt before the continuation (default true, as `lmstream generate`) */
  echo?: boolean;
}

export interface TextChunk {
  id: number;
  token: string;
  /** the text this token adds, with the spacing it needs in front */
  text: string;
}

/** One generation: `echo` first, then `next()` until null (see the file comment). */
export interface Generation {
  /** the prompt as `lmstream generate` prints it (empty without echo) */
  readonly echo: string;
  next(): TextChunk | null;
  readonly stopReason: StopReason | undefined;
  readonly count: number;
  stop(): void;
}

export class BrowserModel {
  constructor(
    /** the model as the generator sees it */
    readonly source: TokenSource<unknown>,
    /** text → prompt tokens, as the model's training corpus was split */
    readonly tokenize: (text: string) => string[],
    /** how tokens are joined back into text */
    readonly level: DetokenizeLevel,
    /** exports: lmstream.json (null for n-gram models) */
    readonly meta: ExportMeta | null = null,
    /** exports: the training curve, when there is one */
    readonly curve: Curve | null = null,
    /** exports: how the network's products run, 'wasm' (SIMD) or 'js' (no wasm SIMD, or a
     * Content-Security-Policy without 'wasm-unsafe-eval'); null for n-gram models */
    readonly products: 'wasm' | 'js' | null = null,
  ) {
    this.ids = new Map(source.tokens.map((t, i) => [t, i]));
  }

  private readonly ids: Map<string, number>;

  /**
   * Run the model `steps` times on a scratch state (no sampling, no random
   * numbers: generations are unchanged), so that the engine compiles its code
   * (JIT, the wasm kernel's optimising tier) before the first generation
   * rather than during its first tokens. The page calls it while loading.
   */
  warmUp(steps = 32): void {
    const src = this.source;
    const ids = src.tokens.map((_, i) => i).filter((i) => i !== src.bosId && i !== src.eosId);
    let s = src.begin();
    for (let i = 0; i < steps && ids.length; i++) {
      src.next(s);
      s = src.advance(s, ids[i % ids.length]);
    }
  }

  /** token → id, `<unk>`'s id when unknown */
  id(token: string): number {
    return this.ids.get(token) ?? this.source.unkId;
  }

  /** Start a generation: the same text as `lmstream generate --count 1` with these settings. */
  generate(s: GenerateSettings = {}): Generation {
    const sampling = { temperature: s.temperature ?? 1, topK: s.topK ?? 0, topP: s.topP ?? 1, greedy: s.greedy ?? false };
    checkSamplingOptions(sampling);
    const promptText = s.prompt ?? '';
    const promptTokens = this.tokenize(promptText);
    const echo = s.echo ?? true;
    const loop = new TokenLoop(this.source, {
      ...sampling,
      seed: s.seed ?? 0,
      maxTokens: s.maxTokens ?? 100,
      noUnk: s.noUnk ?? false,
      prompt: promptTokens.map((t) => this.id(t)),
    });
    const detok = new IncrementalDetokenizer(this.level);
    if (echo) detok.prime(promptTokens);
    return {
      echo: echo ? (this.level === 'char' ? promptText : promptText.trimEnd()) : '',
      next(): TextChunk | null {
        const t = loop.next();
        return t ? { ...t, text: detok.push(t.token) } : null;
      },
      get stopReason() {
        return loop.stopReason;
      },
      get count() {
        return loop.count;
      },
      stop: () => loop.stop(),
    };
  }
}

async function get(fetchFn: FetchLike, url: string): Promise<{ json(): Promise<unknown>; arrayBuffer(): Promise<ArrayBuffer> }> {
  const r = await fetchFn(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return r;
}

/**
 * Load an export from `base` (a URL ending in `/`): lmstream.json, model.json,
 * its weight shards and metrics.json when there is one.
 */
export async function loadExport(base: string, fetchFn: FetchLike = (u) => fetch(u)): Promise<BrowserModel> {
  const meta = checkMeta(await (await get(fetchFn, base + 'lmstream.json')).json(), base + 'lmstream.json');
  const mj = (await (await get(fetchFn, base + 'model.json')).json()) as { weightsManifest?: { paths: string[]; weights: WeightEntry[] }[] };
  if (!Array.isArray(mj.weightsManifest)) throw new Error(`${base}model.json: no weightsManifest`);
  const parts: Uint8Array[] = [];
  for (const g of mj.weightsManifest) {
    for (const p of g.paths) parts.push(new Uint8Array(await (await get(fetchFn, base + p)).arrayBuffer()));
  }
  const all = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.byteLength;
  }
  const model = new ExportedModel(meta, decodeWeights(mj.weightsManifest.flatMap((g) => g.weights), all));
  const curve = meta.metrics ? ((await (await get(fetchFn, base + meta.metrics)).json()) as Curve) : null;
  const source = new NeuralSource(model, meta.tokens, {
    mode: meta.mode, startIds: meta.startIds, bosId: meta.bosId, eosId: meta.eosId, unkId: meta.unkId,
  });
  return new BrowserModel(source, promptTokenizer(meta.tokenizer, meta.tokenizerOptions), meta.level === 'char' ? 'char' : 'word', meta, curve, model.gemv);
}

/** An n-gram model from the bytes of an ARPA file or a binary model (`lmstream ngram build --binary`). */
export function ngramModel(bytes: Uint8Array, name = 'n-gram model'): NgramModel {
  if (isBinaryModel(bytes)) return NgramLM.fromBinary(bytes, name).model;
  const parser = new ArpaParser(name);
  const text = new TextDecoder().decode(bytes);
  let start = 0;
  for (let nl; (nl = text.indexOf('\n', start)) >= 0; start = nl + 1) parser.line(text.slice(start, nl));
  if (start < text.length) parser.line(text.slice(start));
  return new ArpaModel(parser.finish());
}

/**
 * Load an n-gram model (ARPA text or binary) from `url` for generation, as
 * `lmstream generate --model FILE [--mode MODE]` does: prompts split on
 * whitespace, text joined at word level, sentence mode (after `<s>`) unless
 * `mode: 'stream'`.
 */
export async function loadNgram(url: string, opts: { mode?: MarkerMode; fetch?: FetchLike } = {}): Promise<BrowserModel> {
  const bytes = new Uint8Array(await (await get(opts.fetch ?? ((u) => fetch(u)), url)).arrayBuffer());
  return new BrowserModel(new NgramSource(ngramModel(bytes, url), opts.mode ?? 'sentence'), tokenizeWhitespace, 'word');
}
