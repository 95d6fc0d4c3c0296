/**
 * A model in back-off form over a CountIndex (pure logic, no streams).
 *
 * Input: a CountIndex plus, from a smoothing method, the unigram
 * distribution P1 (one value per vocabulary id), per order k ≥ 2 the
 * probability of every seen k-gram (same order as the level's entries) and
 * the back-off weight of every history. Output: an `NgramModel` and, when the
 * method is a true back-off model, its ARPA-writable entries.
 *
 *   P(w | h) = p(h, w)                 if (h, w) was seen,
 *            = bo(h) · P(w | h')       otherwise (h' = h without its oldest id),
 * with bo(h) = `unseenBo` when h was never seen as a history (1 for every
 * probability model, as in ARPA files; α for stupid back-off).
 *
 * Costs: logProb O(order · (k log H + log R)); nextDistribution O(V + the
 * continuations of the (at most order-1) matching histories): the back-off
 * products are computed first, then the unigram level is written once and
 * each higher level overwrites its own few entries.
 */
import type { NgramModel, Smoothing } from '../api.js';
import type { Vocabulary } from '../../vocab/vocabulary.js';
import { type CountIndex, checkWord, effectiveContext, findContext, findWord } from './count-index.js';

/** log10 written for a probability or weight of zero, as SRILM and KenLM write it. */
export const ARPA_LOG_ZERO = -99;

/**
 * One order of an ARPA-writable model: n-grams sorted lexicographically by
 * ids (oldest first, `order` ids per entry), log10 P of each, and its log10
 * back-off weight: NaN where the n-gram is never a history and at the highest
 * order (weight 1: the ARPA writer, src/ngram/arpa-write.ts, then writes no
 * back-off field). Probabilities or weights of zero are written as -99
 * (ARPA_LOG_ZERO). This is the shape src/ngram/build.ts turns into `ArpaBlock`s.
 */
export interface BackoffOrder {
  order: number;
  entries: { ids: Uint32Array; log10p: Float64Array; log10bo: Float64Array };
}

export interface ClassicModel extends NgramModel {
  readonly smoothing: Smoothing;
  /** the ARPA-writable entries; throws (naming why) for methods without an exact back-off form */
  backoffEntries(): BackoffOrder[];
}

function log10OrZero(x: number): number {
  return x > 0 ? Math.log10(x) : ARPA_LOG_ZERO;
}

export class BackoffModel implements ClassicModel {
  readonly order: number;
  readonly vocab: Vocabulary;

  /**
   * @param p1 P(w) for every id (0 for ids that are not predictable)
   * @param prob prob[k][e]: P of entry e of level k (k ≥ 2)
   * @param bo bo[k][j]: back-off weight of history j of level k (k ≥ 2)
   * @param unseenBo weight for histories never seen (1 except stupid back-off)
   * @param notArpa when set, why the model has no exact ARPA form
   */
  constructor(
    readonly smoothing: Smoothing,
    readonly normalized: boolean,
    readonly idx: CountIndex,
    readonly p1: Float64Array,
    readonly prob: Float64Array[],
    readonly bo: Float64Array[],
    readonly unseenBo: number,
    private readonly notArpa?: string,
  ) {
    this.order = idx.order;
    this.vocab = idx.vocab;
  }

  /**
   * P(w | last m ids of ctx) in linear space and the n-gram length used, m ≤
   * order - 1. Only reads levels ≤ m + 1, so methods can call it while they
   * fill higher levels.
   */
  probWithin(ctx: ArrayLike<number>, m: number, w: number): { p: number; len: number } {
    let acc = 1;
    const end = ctx.length;
    for (let q = m; q >= 1; q--) {
      const level = this.idx.levels[q + 1];
      const j = findContext(level, ctx, end, q);
      if (j < 0) {
        acc *= this.unseenBo;
        continue;
      }
      const e = findWord(level, j, w);
      if (e >= 0) return { p: acc * this.prob[q + 1][e], len: q + 1 };
      acc *= this.bo[q + 1][j];
    }
    return { p: acc * this.p1[w], len: 1 };
  }

  logProb(context: ArrayLike<number>, w: number): { log10: number; ngramLength: number } {
    checkWord(this.idx.V, w);
    const { p, len } = this.probWithin(context, effectiveContext(this.order, context), w);
    return { log10: Math.log10(p), ngramLength: len };
  }

  nextDistribution(context: ArrayLike<number>): Float64Array {
    const M = effectiveContext(this.order, context);
    const end = context.length;
    const js = new Int32Array(M + 1);
    // mult[m]: product of the back-off weights of the histories longer than m
    const mult = new Float64Array(M + 1);
    mult[M] = 1;
    for (let m = M; m >= 1; m--) {
      const j = findContext(this.idx.levels[m + 1], context, end, m);
      js[m] = j;
      mult[m - 1] = mult[m] * (j >= 0 ? this.bo[m + 1][j] : this.unseenBo);
    }
    const out = new Float64Array(this.idx.V);
    const p1 = this.p1;
    const m0 = mult[0];
    for (let w = 0; w < out.length; w++) out[w] = m0 * p1[w];
    for (let m = 1; m <= M; m++) {
      const j = js[m];
      if (j < 0) continue;
      const level = this.idx.levels[m + 1];
      const pr = this.prob[m + 1];
      const f = mult[m];
      for (let e = level.ctxStart[j], stop = level.ctxStart[j + 1]; e < stop; e++) out[level.words[e]] = f * pr[e];
    }
    return out;
  }

  backoffEntries(): BackoffOrder[] {
    if (this.notArpa !== undefined) {
      throw new Error(`${this.smoothing} (order ${this.order}) cannot be written as an ARPA back-off model: ${this.notArpa}`);
    }
    const { idx } = this;
    const out: BackoffOrder[] = [];
    // order 1: every vocabulary id, so the model's vocabulary is complete
    {
      const V = idx.V;
      const ids = new Uint32Array(V);
      const log10p = new Float64Array(V);
      const log10bo = new Float64Array(V).fill(NaN);
      const next = idx.levels[2];
      for (let w = 0; w < V; w++) {
        ids[w] = w;
        log10p[w] = log10OrZero(this.p1[w]);
        if (next) {
          const j = findContext(next, ids, w + 1, 1);
          if (j >= 0) log10bo[w] = log10OrZero(this.bo[2][j]);
        }
      }
      out.push({ order: 1, entries: { ids, log10p, log10bo } });
    }
    for (let k = 2; k <= this.order; k++) out.push(this.orderEntries(k));
    return out;
  }

  /**
   * Order k: the seen k-grams, merged with the histories of order k+1 that
   * are not themselves seen k-grams (only with inconsistent or pruned
   * counts); those get the probability the model gives them by backing off,
   * so the ARPA file means exactly the same model.
   */
  private orderEntries(k: number): BackoffOrder {
    const level = this.idx.levels[k];
    const next = this.idx.levels[k + 1];
    const h = k - 1;
    const rows: number[] = []; // >= 0: entry index; < 0: -(history index of next) - 1
    const entryIds = (e: number, j: number, buf: Uint32Array) => {
      for (let q = 0; q < h; q++) buf[q] = level.ctxIds[j * h + q];
      buf[h] = level.words[e];
    };
    // walk the entries (grouped by history) and the next level's histories in order
    const a = new Uint32Array(k);
    const b = new Uint32Array(k);
    let j = 0;
    let e = 0;
    let n = 0;
    const nNext = next ? next.nCtx : 0;
    const total = level.words.length;
    const cmpRows = (): number => {
      for (let q = 0; q < k; q++) if (a[q] !== b[q]) return a[q] - b[q];
      return 0;
    };
    while (e < total || n < nNext) {
      if (e < total) {
        while (level.ctxStart[j + 1] <= e) j++;
        entryIds(e, j, a);
      }
      if (n < nNext) for (let q = 0; q < k; q++) b[q] = next!.ctxIds[n * k + q];
      const c = e >= total ? 1 : n >= nNext ? -1 : cmpRows();
      if (c < 0) rows.push(e++);
      else if (c > 0) rows.push(-(n++) - 1);
      else {
        rows.push(e++);
        n++;
      }
    }
    const ids = new Uint32Array(rows.length * k);
    const log10p = new Float64Array(rows.length);
    const log10bo = new Float64Array(rows.length).fill(NaN);
    j = 0;
    for (let r = 0; r < rows.length; r++) {
      const row = ids.subarray(r * k, r * k + k);
      const x = rows[r];
      if (x >= 0) {
        while (level.ctxStart[j + 1] <= x) j++;
        entryIds(x, j, row);
        log10p[r] = log10OrZero(this.prob[k][x]);
      } else {
        const nj = -x - 1;
        for (let q = 0; q < k; q++) row[q] = next!.ctxIds[nj * k + q];
        log10p[r] = log10OrZero(this.probWithin(row.subarray(0, h), h, row[h]).p);
      }
      if (next) {
        const nj = findContext(next, row, k, k);
        if (nj >= 0) log10bo[r] = log10OrZero(this.bo[k + 1][nj]);
      }
    }
    return { order: k, entries: { ids, log10p, log10bo } };
  }
}
