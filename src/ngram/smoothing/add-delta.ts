/**
 * Additive (Lidstone) smoothing; Laplace when δ = 1 (pure logic). Input:
 * CountIndex; output: AddDeltaModel.
 *
 *   P(w | h) = (c(h, w) + δ) / (c(h) + δ |V|)
 * where h is the last min(order-1, context length) ids and |V| the number of
 * predictable ids: the vocabulary minus `<s>` (never predicted), and in
 * stream mode minus `</s>` unless the counts hold it. `<unk>` is predictable, so it gets δ / (c(h) + δ|V|) even
 * when the data has none. There is no back-off: a history never seen gives
 * the uniform distribution 1/|V| (as NLTK's Lidstone does). The reported
 * n-gram length is that of the longest seen n-gram ending in w.
 *
 * Not an ARPA back-off model beyond order 1: an unseen word gets
 * δ / (c(h) + δ|V|), the same for every word and dependent on c(h), which no
 * weight times a non-uniform lower-order distribution reproduces.
 */
import type { Vocabulary } from '../../vocab/vocabulary.js';
import { type CountIndex, checkWord, effectiveContext, findContext, findWord, matchedLength } from './count-index.js';
import { ARPA_LOG_ZERO, type BackoffOrder, type ClassicModel } from './backoff-model.js';

export const ADD_DELTA_NOT_ARPA =
  'add-delta gives each unseen word δ/(c(h)+δ|V|), a share that depends on the history and is the same for every word, ' +
  'which no back-off weight times a lower-order distribution reproduces; only the order-1 model is exact in ARPA';

export class AddDeltaModel implements ClassicModel {
  readonly smoothing = 'add-delta' as const;
  readonly normalized = true;
  readonly order: number;
  readonly vocab: Vocabulary;

  constructor(readonly idx: CountIndex, readonly delta: number) {
    if (!(delta > 0) || !Number.isFinite(delta)) throw new Error(`add-delta: delta must be a positive number, got ${delta}`);
    this.order = idx.order;
    this.vocab = idx.vocab;
  }

  /** c(h) and the history index for the last m ids of ctx */
  private history(ctx: ArrayLike<number>, m: number): { j: number; total: number } {
    if (m === 0) return { j: -1, total: this.idx.total };
    const j = findContext(this.idx.levels[m + 1], ctx, ctx.length, m);
    return { j, total: j >= 0 ? this.idx.levels[m + 1].ctxTotal[j] : 0 };
  }

  logProb(context: ArrayLike<number>, w: number): { log10: number; ngramLength: number } {
    const { idx, delta } = this;
    checkWord(idx.V, w);
    const M = effectiveContext(this.order, context);
    const { j, total } = this.history(context, M);
    let c = 0;
    if (M === 0) c = idx.unigram[w];
    else if (j >= 0) {
      const e = findWord(idx.levels[M + 1], j, w);
      if (e >= 0) c = idx.levels[M + 1].counts[e];
    }
    const p = idx.predictable[w] ? (c + delta) / (total + delta * idx.nPredictable) : 0;
    return { log10: Math.log10(p), ngramLength: matchedLength(idx, context, M, w) };
  }

  nextDistribution(context: ArrayLike<number>): Float64Array {
    const { idx, delta } = this;
    const M = effectiveContext(this.order, context);
    const { j, total } = this.history(context, M);
    const denom = total + delta * idx.nPredictable;
    const out = new Float64Array(idx.V);
    const base = delta / denom;
    for (let w = 0; w < idx.V; w++) if (idx.predictable[w]) out[w] = base;
    if (M === 0) {
      for (let w = 0; w < idx.V; w++) if (idx.unigram[w] > 0) out[w] = (idx.unigram[w] + delta) / denom;
    } else if (j >= 0) {
      const L = idx.levels[M + 1];
      for (let e = L.ctxStart[j]; e < L.ctxStart[j + 1]; e++) out[L.words[e]] = (L.counts[e] + delta) / denom;
    }
    return out;
  }

  backoffEntries(): BackoffOrder[] {
    if (this.order > 1) {
      throw new Error(`add-delta (order ${this.order}) cannot be written as an ARPA back-off model: ${ADD_DELTA_NOT_ARPA}`);
    }
    const { V } = this.idx;
    const ids = new Uint32Array(V);
    const log10p = new Float64Array(V);
    const dist = this.nextDistribution([]);
    for (let w = 0; w < V; w++) {
      ids[w] = w;
      log10p[w] = dist[w] > 0 ? Math.log10(dist[w]) : ARPA_LOG_ZERO;
    }
    return [{ order: 1, entries: { ids, log10p, log10bo: new Float64Array(V).fill(NaN) } }];
  }
}

export function buildAddDelta(idx: CountIndex, delta = 1): AddDeltaModel {
  return new AddDeltaModel(idx, delta);
}
