/**
 * The n-gram scoring API for programs (KenLM's Python `Model`, in
 * JavaScript): total and per-token log10 probabilities of sentences,
 * perplexity, and the most probable next words. The numbers are `lmstream
 * ngram ppl`'s (the same scorer: OOVs scored as `<unk>`, a test `<unk>` as
 * `<unk-word>` when the model has it). No Node imports: `loadNgram` in
 * load.ts opens files; in a browser, `NgramLM.fromBinary(bytes)`.
 *
 *   const lm = await loadNgram('m.lmb');          // binary or ARPA
 *   lm.score('the cat sat');                       // log10 P(<s> the cat sat </s>)
 *   lm.fullScores('the cat sat');                  // per token (</s> included)
 *   lm.perplexity('the cat sat');
 *   lm.next('the cat', 5);                         // 5 most probable next words
 */
import type { NgramModel } from './api.js';
import { PplScorer } from './ppl.js';
import { HashedModel } from './hashed-model.js';
import { deserializeBinary } from './binary.js';

export interface SentenceOptions {
  /** score the first word after `<s>` (default true) */
  bos?: boolean;
  /** score `</s>` after the last word (default true) */
  eos?: boolean;
}

export interface FullScore {
  token: string;
  /** log10 probability (-Infinity for a probability 0) */
  log10: number;
  /** length of the n-gram the model used (KenLM's query prints it too) */
  ngramLength: number;
  /** not in the vocabulary: scored as `<unk>` */
  oov: boolean;
}

export interface NextWord {
  token: string;
  log10: number;
}

/** tokens as `ngram ppl` splits a line */
function tokensOf(sentence: string | readonly string[]): readonly string[] {
  return typeof sentence === 'string' ? sentence.split(/[ \t\r\n\0]+/).filter(Boolean) : sentence;
}

export class NgramLM {
  constructor(readonly model: NgramModel) {}

  /** a model from the bytes of a binary model file (e.g. fetched in a browser) */
  static fromBinary(bytes: Uint8Array, name = 'binary model'): NgramLM {
    return new NgramLM(new HashedModel(deserializeBinary(bytes, name)));
  }

  get order(): number {
    return this.model.order;
  }

  /** per token: log10 probability, n-gram length, OOV flag (`</s>` last unless eos: false) */
  fullScores(sentence: string | readonly string[], opts: SentenceOptions = {}): FullScore[] {
    return new PplScorer(this.model, 'sentence').document(tokensOf(sentence), opts)
      .map((s) => ({ token: s.token, log10: s.log10, ngramLength: s.ngramLength, oov: s.oov }));
  }

  /** total log10 probability of the sentence (with `<s>` and `</s>` unless told otherwise) */
  score(sentence: string | readonly string[], opts: SentenceOptions = {}): number {
    let total = 0;
    for (const s of this.fullScores(sentence, opts)) total += s.log10;
    return total;
  }

  /** 10^(-score / tokens scored), `</s>` counted: KenLM's `Model.perplexity` */
  perplexity(sentence: string | readonly string[], opts: SentenceOptions = {}): number {
    const s = this.fullScores(sentence, opts);
    let total = 0;
    for (const x of s) total += x.log10;
    return Math.pow(10, -total / s.length);
  }

  /**
   * The k most probable next words after `context` (after `<s>` and the
   * context's words unless bos: false), most probable first (ties by token).
   * `</s>` is among the candidates, `<s>` is not.
   */
  next(context: string | readonly string[], k = 10, opts: { bos?: boolean } = {}): NextWord[] {
    const v = this.model.vocab;
    const ids = tokensOf(context).map((t) => v.id(t));
    const ctx = opts.bos === false ? ids : [v.bosId, ...ids];
    const dist = this.model.nextDistribution(ctx);
    const order: number[] = [];
    for (let w = 0; w < dist.length; w++) if (dist[w] > 0 && w !== v.bosId) order.push(w);
    order.sort((a, b) => dist[b] - dist[a] || (v.tokens[a] < v.tokens[b] ? -1 : 1));
    return order.slice(0, Math.max(0, k)).map((w) => ({ token: v.tokens[w], log10: this.model.logProb(ctx, w).log10 }));
  }
}
