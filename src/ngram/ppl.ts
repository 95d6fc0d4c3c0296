/**
 * Perplexity as KenLM's `query` computes it (pure logic, no streams).
 *
 * Input: an `NgramModel` and documents as token arrays. Output: per token
 * `{ token, log10, ngramLength, oov }` and a running `PplSummary`.
 * Sentence mode: each document is scored after `<s>` and followed by `</s>`
 * (which counts as a token). Stream mode: the documents form one stream,
 * context flows across them, one `</s>` ends it (`finish`). A token not in
 * the vocabulary (or `<unk>` itself) is an OOV, scored as `<unk>`: counted in
 * "including OOVs", left out of "excluding OOVs" — except that a test `<unk>`
 * scores as the word `<unk-word>` (UNK_WORD) when the model has it (a model
 * trained on text holding literal `<unk>` tokens), and is then no OOV.
 * Tokens of probability 0 (MLE, Katz: log10 = -Infinity) are zeroprobs, as
 * in SRILM: counted apart (`zeroprobs`, `zeroprob` on the token) and left
 * out of both perplexities (an OOV of probability 0 counts as an OOV and a
 * zeroprob, once in each denominator).
 */
import type { NgramModel } from './api.js';
import type { MarkerMode } from '../types.js';
import { UNK_WORD } from './corpus.js';

export interface TokenScore {
  token: string;
  log10: number;
  ngramLength: number;
  oov: boolean;
  /** probability 0: left out of the perplexities */
  zeroprob: boolean;
}

export interface PplSummary {
  log10Total: number;
  oovLog10Total: number;
  tokens: number;
  oovs: number;
  /** tokens of probability 0, left out of both perplexities (OOVs among them included) */
  zeroprobs: number;
  pplIncludingOovs: number;
  pplExcludingOovs: number;
}

/** The running corpus totals of scored tokens (KenLM's summary, and zeroprobs). */
export class PplTotals {
  log10Total = 0;
  oovLog10Total = 0;
  tokens = 0;
  oovs = 0;
  zeroprobs = 0;
  /** OOVs of probability 0 */
  private zeroOovs = 0;

  /** Count one scored token into the totals (also for scorers that keep their own context). */
  count(log10: number, oov: boolean): void {
    this.tokens++;
    if (oov) this.oovs++;
    if (log10 === -Infinity) {
      this.zeroprobs++;
      if (oov) this.zeroOovs++;
    } else {
      this.log10Total += log10;
      if (oov) this.oovLog10Total += log10;
    }
  }

  summary(): PplSummary {
    return {
      log10Total: this.log10Total,
      oovLog10Total: this.oovLog10Total,
      tokens: this.tokens,
      oovs: this.oovs,
      zeroprobs: this.zeroprobs,
      pplIncludingOovs: Math.pow(10, -this.log10Total / (this.tokens - this.zeroprobs)),
      pplExcludingOovs: Math.pow(10, -(this.log10Total - this.oovLog10Total) / (this.tokens - this.oovs - (this.zeroprobs - this.zeroOovs))),
    };
  }
}

export class PplScorer extends PplTotals {
  private ctx: number[] = [];
  private unkWord: number | undefined;
  private started = false;

  constructor(readonly model: NgramModel, readonly mode: MarkerMode = 'sentence') {
    super();
  }

  private start(): void {
    this.ctx = [this.model.vocab.bosId];
    this.started = true;
  }

  private score(token: string, id: number, oov: boolean): TokenScore {
    const { log10, ngramLength } = this.model.logProb(this.ctx, id);
    const zeroprob = log10 === -Infinity;
    this.count(log10, oov);
    this.ctx.push(id);
    const keep = Math.max(0, this.model.order - 1);
    if (this.ctx.length > keep + 16) this.ctx = this.ctx.slice(this.ctx.length - keep);
    return { token, log10, ngramLength, oov, zeroprob };
  }

  /**
   * Score one document; returns the scores of its tokens (and `</s>` in
   * sentence mode). Sentence mode: `bos: false` scores the first token with
   * no context instead of after `<s>`, `eos: false` leaves `</s>` out.
   */
  document(tokens: readonly string[], opts: { bos?: boolean; eos?: boolean } = {}): TokenScore[] {
    if (this.mode === 'sentence' || !this.started) this.start();
    if (this.mode === 'sentence' && opts.bos === false) this.ctx = [];
    const v = this.model.vocab;
    const out: TokenScore[] = [];
    const unkWord = this.unkWord ??= v.has(UNK_WORD) ? v.id(UNK_WORD) : -1;
    for (const t of tokens) {
      if (t === '') continue;
      if (t === '<unk>' && unkWord >= 0) { out.push(this.score(t, unkWord, false)); continue; }
      // one lookup: only '<unk>' itself has <unk>'s id
      const id = v.id(t);
      out.push(this.score(t, id, id === v.unkId));
    }
    if (this.mode === 'sentence' && opts.eos !== false) out.push(this.score('</s>', v.eosId, false));
    return out;
  }

  /** End of input: in stream mode scores the final `</s>`. */
  finish(): TokenScore[] {
    if (this.mode === 'stream' && this.started) {
      this.started = false;
      return [this.score('</s>', this.model.vocab.eosId, false)];
    }
    return [];
  }

}

/**
 * KenLM `query -v summary` style text, plus a `Zeroprobs:` line (tokens of
 * probability 0, left out of both perplexities, as SRILM's zeroprobs) when
 * there are any.
 */
export function formatSummary(s: PplSummary): string {
  return (
    `Perplexity including OOVs:\t${s.pplIncludingOovs.toFixed(4)}\n` +
    `Perplexity excluding OOVs:\t${s.pplExcludingOovs.toFixed(4)}\n` +
    `OOVs:\t${s.oovs}\n` +
    (s.zeroprobs > 0 ? `Zeroprobs:\t${s.zeroprobs}\n` : '') +
    `Tokens:\t${s.tokens}\n`
  );
}
