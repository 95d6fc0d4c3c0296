/**
 * The summary of a stream of scored tokens (`lmstream eval --per-token`,
 * `load(…).score()`): a pure accumulator.
 *
 *   in:  scored tokens { token, logprob (ln P), oov }
 *   out: { perplexity, tokens, oov, nats[, zeroprobs][, bits_per_char] },
 *        the shape of `evaluateCorpus` (src/eval/corpus-eval.ts)
 *
 * Holds five numbers.
 */
import { charCount } from '../train/front-end.js';

/** One scored token (the record of `load(…).scorer()`, src/api/load.ts). */
export interface ScoredToken {
  token: string;
  /** ln P */
  logprob: number;
  oov: boolean;
}

export interface TallySummary {
  perplexity: number;
  tokens: number;
  oov: number;
  nats: number;
  zeroprobs?: number;
  bits_per_char?: number;
}

/**
 * The summary of a stream of scored tokens, the same shape as
 * `evaluateCorpus`'s: perplexity over the tokens of non-zero probability,
 * `zeroprobs` counts the others; bits per character when `charLevel`.
 */
export class TokenTally {
  tokens = 0;
  oov = 0;
  zero = 0;
  private sum = 0;
  private chars = 0;
  constructor(private readonly charLevel: boolean) {}

  add(recs: readonly ScoredToken[]): void {
    if (this.charLevel) this.chars += charCount(recs.map((r) => r.token));
    for (const r of recs) {
      this.tokens++;
      if (r.oov) this.oov++;
      if (r.logprob === -Infinity) this.zero++;
      else this.sum += r.logprob;
    }
  }

  /** Σ ln P over the tokens of non-zero probability */
  get logprob(): number {
    return this.sum;
  }

  summary(): TallySummary {
    const out: TallySummary = {
      perplexity: Math.exp(-this.sum / (this.tokens - this.zero)), tokens: this.tokens, oov: this.oov, nats: -this.sum,
    };
    if (this.zero > 0) out.zeroprobs = this.zero;
    if (this.charLevel) out.bits_per_char = -this.sum / Math.LN2 / this.chars;
    return out;
  }
}
