/**
 * One API for every model: `const m = await load(path)` opens an n-gram model
 * (ARPA or binary file), a neural checkpoint directory of train-stream or a
 * saved mixture of them (`lmstream mix --out MIX.json`), and gives the same
 * methods for all:
 *
 *   m.logprobs(text)   per token: { token, logprob (ln), log10, oov }
 *   m.scorer()         the same, line by line (push(line), end()), for long inputs
 *   m.score(text)      totals: { logprob, log10, tokens, oovs, perplexity }
 *   m.next(context, k) the k most probable next tokens { token, prob, logprob }
 *   m.generate(opts)   a Readable (and async iterable) of { token, id, text }
 *   m.dispose()        frees the weights (neural)
 *
 * Text: each line is a document, split as the model's training corpus was
 * (n-gram: KenLM's rule; neural: the tokenizer and options in config.json).
 * Scoring follows `lmstream ngram ppl` for n-gram models (the same scorer:
 * OOVs scored as `<unk>`, tokens of probability 0 left out of perplexity) and
 * `lmstream eval` for checkpoints: sentence mode scores every token of a line
 * after `<s>` and then `</s>`; stream mode scores the lines as one text after
 * `<s>` (every token a target). `next` and `generate` start as `lmstream
 * generate` does (after `<s>`; a stream-mode char model after `\n`).
 *
 * TensorFlow.js: only a checkpoint loads it (on its `load`); n-gram models
 * never do. Memory: the model; `logprobs` returns one record per token of the
 * text it is given; `generate` computes one token ahead of its reader.
 */
import { Readable } from 'node:stream';
import { loadForGeneration, type LoadedModel } from '../generate/load-model.js';
import { generateStream, type StopReason } from '../generate/generate.js';
import { IncrementalDetokenizer, type DetokenizeLevel } from '../generate/detokenize-stage.js';
import type { NgramSource } from '../generate/ngram-source.js';
import type { NeuralSource } from '../generate/neural-source.js';
import { PplScorer } from '../ngram/ppl.js';
import { TokenTally } from '../eval/token-tally.js';
import { addMarkers } from '../text/markers.js';
import { EOS, type MarkerMode } from '../types.js';

export interface TokenLogprob {
  /** the token as the text has it (an OOV keeps its spelling) */
  token: string;
  /** ln P(token | history); -Infinity for probability 0 */
  logprob: number;
  /** log10 P (KenLM's unit) */
  log10: number;
  /** not in the vocabulary: scored as `<unk>` */
  oov: boolean;
}

export interface ScoreResult {
  /** sum of ln P over the tokens (tokens of probability 0 left out) */
  logprob: number;
  log10: number;
  /** tokens scored (`</s>` included in sentence mode) */
  tokens: number;
  oovs: number;
  /** exp(-logprob / tokens), OOVs included; tokens of probability 0 left out */
  perplexity: number;
}

export interface NextToken {
  token: string;
  prob: number;
  logprob: number;
}

export interface ModelGenerateOptions {
  /** text to continue (split as the training corpus) */
  prompt?: string;
  /** tokens at most (default 100; 0 = until `</s>`) */
  maxTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  greedy?: boolean;
  /** default 0 */
  seed?: number;
  /** never sample `<unk>` */
  noUnk?: boolean;
  /** tokens that end the generation (not emitted) */
  stop?: readonly string[];
}

/** A token of a generation: `text` is what to append to the text so far (spacing included). */
export interface GenerationToken {
  token: string;
  id: number;
  text: string;
}

/** The generation stream: objectMode Readable of `GenerationToken`; `stopReason` after 'end'. */
export type GenerationStream = Readable & AsyncIterable<GenerationToken> & { readonly stopReason: StopReason | undefined };

export interface LoadModelOptions {
  /** n-gram models: sentence (default) or stream; a checkpoint records its own */
  mode?: MarkerMode;
}

export interface LanguageModel {
  readonly kind: 'ngram' | 'neural' | 'mixture';
  readonly path: string;
  readonly mode: MarkerMode;
  /** how tokens join into text: char or word (n-gram models: word) */
  readonly level: DetokenizeLevel;
  /** id → token */
  readonly vocabulary: readonly string[];
  logprobs(text: string): TokenLogprob[];
  /** the same records, line by line (for long texts: see TokenScorer) */
  scorer(): TokenScorer;
  score(text: string): ScoreResult;
  next(context: string, k?: number): NextToken[];
  generate(opts?: ModelGenerateOptions): GenerationStream;
  dispose(): void;
}

/** The lines of a text: a final line break ends the last line, it does not start an empty one. */
function linesOf(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function record(token: string, lnP: number, oov: boolean): TokenLogprob {
  return { token, logprob: lnP, log10: lnP / Math.LN10, oov };
}

/**
 * Scores a text line by line (each line a document), keeping the context
 * across lines in stream mode: `push(line)` gives the records of that line,
 * `end()` those of the end of the text (an n-gram stream's `</s>`). Holds the
 * model's state, nothing of the lines already scored.
 */
export interface TokenScorer {
  push(line: string): TokenLogprob[];
  end(): TokenLogprob[];
}

/** n-gram: `lmstream ngram ppl`'s scorer. */
function ngramScorer(lm: LoadedModel): TokenScorer {
  const scorer = new PplScorer((lm.source as NgramSource).model, lm.mode);
  const map = (s: { token: string; log10: number; oov: boolean }): TokenLogprob => ({ token: s.token, logprob: s.log10 * Math.LN10, log10: s.log10, oov: s.oov });
  return {
    push: (line) => scorer.document(lm.corpusTokenize(line)).map(map),
    end: () => scorer.finish().map(map),
  };
}

/** neural: the model's own step, after `<s>` from a fresh state per document (sentence) or once (stream). */
function neuralScorer(lm: LoadedModel): TokenScorer {
  const src = lm.source as NeuralSource;
  const model = src.model;
  const has = new Set(src.tokens);
  let r: { state: unknown; probs: Float32Array } | undefined;
  return {
    push(line) {
      const toks = addMarkers(lm.corpusTokenize(line), lm.mode);
      const out: TokenLogprob[] = [];
      // sentence: toks[0] is <s>, fed from a fresh state; stream: <s> once at the start of the text
      let i = 0;
      if (lm.mode === 'sentence' || !r) {
        r = model.step(model.initialState(), src.bosId);
        if (lm.mode === 'sentence') i = 1;
      }
      for (; i < toks.length; i++) {
        const t = toks[i];
        out.push(record(t, Math.log(r.probs[lm.id(t)]), t !== EOS && !has.has(t)));
        // the last token of a sentence is not fed (the next one starts afresh)
        if (lm.mode === 'stream' || i + 1 < toks.length) r = model.step(r.state, lm.id(t));
      }
      return out;
    },
    end: () => [],
  };
}

/**
 * A mixture: each model's records of the same text, combined token by token
 * into ln Σ_k λ_k P_k (log-sum-exp); OOV when a model scored it as `<unk>`.
 */
function mixtureScorer(lm: LoadedModel): TokenScorer {
  const parts = lm.components!;
  const scorers = parts.map((p) => scorerOf(p.model));
  const logw = parts.map((p) => Math.log(p.weight));
  let line = 0;
  const combine = (recs: TokenLogprob[][]): TokenLogprob[] => {
    const a = recs[0];
    for (let k = 1; k < recs.length; k++) {
      const b = recs[k];
      const i = b.length !== a.length ? Math.min(a.length, b.length) : b.findIndex((r, j) => r.token !== a[j].token);
      if (i >= 0) {
        throw new Error(`line ${line}: ${parts[0].path} and ${parts[k].path} tokenize it differently (${a.length} and ${b.length} tokens` +
          `${i < Math.min(a.length, b.length) ? `; '${a[i].token}' and '${b[i].token}'` : ''}): mix models that share a tokenization`);
      }
    }
    return a.map((r, i) => {
      let mx = -Infinity;
      for (let k = 0; k < recs.length; k++) mx = Math.max(mx, recs[k][i].logprob + logw[k]);
      let s = 0;
      if (mx > -Infinity) for (let k = 0; k < recs.length; k++) s += Math.exp(recs[k][i].logprob + logw[k] - mx);
      return record(r.token, mx === -Infinity ? -Infinity : mx + Math.log(s), recs.some((x) => x[i].oov));
    });
  };
  return {
    push: (l) => { line++; return combine(scorers.map((s) => s.push(l))); },
    end: () => combine(scorers.map((s) => s.end())),
  };
}

/** the scorer of any loaded model */
function scorerOf(lm: LoadedModel): TokenScorer {
  return lm.kind === 'ngram' ? ngramScorer(lm) : lm.kind === 'neural' ? neuralScorer(lm) : mixtureScorer(lm);
}

class Model implements LanguageModel {
  readonly kind: 'ngram' | 'neural' | 'mixture';
  readonly mode: MarkerMode;
  readonly level: DetokenizeLevel;
  readonly vocabulary: readonly string[];
  private disposed = false;

  constructor(readonly path: string, private readonly lm: LoadedModel) {
    this.kind = lm.kind;
    this.mode = lm.mode;
    this.level = lm.level;
    this.vocabulary = lm.source.tokens;
  }

  private live(): LoadedModel {
    if (this.disposed) throw new Error(`${this.path}: the model was disposed`);
    return this.lm;
  }

  scorer(): TokenScorer {
    return scorerOf(this.live());
  }

  logprobs(text: string): TokenLogprob[] {
    const sc = this.scorer();
    const out: TokenLogprob[] = [];
    for (const line of linesOf(text)) for (const r of sc.push(line)) out.push(r);
    for (const r of sc.end()) out.push(r);
    return out;
  }

  score(text: string): ScoreResult {
    const t = new TokenTally(false);
    t.add(this.logprobs(text));
    const sum = t.logprob;
    return { logprob: sum, log10: sum / Math.LN10, tokens: t.tokens, oovs: t.oov, perplexity: t.summary().perplexity };
  }

  next(context: string, k = 10): NextToken[] {
    const lm = this.live();
    const src = lm.source;
    let s = src.begin();
    for (const t of lm.tokenize(context)) s = src.advance(s, lm.id(t));
    const dist = src.next(s);
    // the model's probabilities; stupid back-off scores are renormalised, as the sampler does
    // (a mixture's distribution is normalised already)
    let total = 1;
    if (lm.kind === 'ngram' && !(src as NgramSource).model.normalized) {
      total = 0;
      for (let i = 0; i < dist.length; i++) total += dist[i];
    }
    const ids: number[] = [];
    for (let i = 0; i < dist.length; i++) if (dist[i] > 0 && i !== src.bosId) ids.push(i);
    ids.sort((a, b) => dist[b] - dist[a] || (src.tokens[a] < src.tokens[b] ? -1 : 1));
    return ids.slice(0, Math.max(0, k)).map((i) => ({ token: src.tokens[i], prob: dist[i] / total, logprob: Math.log(dist[i] / total) }));
  }

  generate(opts: ModelGenerateOptions = {}): GenerationStream {
    const lm = this.live();
    const promptTokens = lm.tokenize(opts.prompt ?? '');
    const vocab = new Set(lm.source.tokens);
    const stopIds = (opts.stop ?? []).map((t) => {
      if (!vocab.has(t)) throw new Error(`stop token '${t}' is not in the model's vocabulary`);
      return lm.id(t);
    });
    const inner = generateStream(lm.source, {
      prompt: promptTokens.map((t) => lm.id(t)),
      maxTokens: opts.maxTokens, temperature: opts.temperature, topK: opts.topK, topP: opts.topP, greedy: opts.greedy,
      seed: opts.seed, noUnk: opts.noUnk, stopIds,
    });
    const detok = new IncrementalDetokenizer(lm.level);
    detok.prime(promptTokens);
    async function* tokens(): AsyncGenerator<GenerationToken> {
      for await (const g of inner) yield { token: g.token, id: g.id, text: detok.push(g.token) };
    }
    const out = Readable.from(tokens(), { objectMode: true, highWaterMark: 1 });
    Object.defineProperty(out, 'stopReason', { get: () => inner.stopReason });
    return out as GenerationStream;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.lm.dispose();
  }
}

/** Open a model file or checkpoint directory (see the file comment). */
export async function load(path: string, opts: LoadModelOptions = {}): Promise<LanguageModel> {
  return new Model(path, await loadForGeneration(path, { mode: opts.mode }));
}
