/**
 * The classic smoothings of n-gram counts (pure logic, no streams):
 * `mle`, `add-delta` (Lidstone; Laplace with δ = 1), `stupid-backoff`
 * (scores, not probabilities), `katz` (Good-Turing back-off) and
 * `witten-bell` (interpolated). Kneser-Ney (`kn`, `mkn`) lives elsewhere.
 *
 * Input: `NgramCounts` (src/ngram/api.ts). Output: an `NgramModel`; for the
 * methods with an exact back-off form, `toBackoffEntries` gives what an ARPA
 * writer needs.
 *
 * Conventions shared by every method (details in each file):
 * - Event space: every vocabulary id except `<s>` (never predicted, in
 *   either mode); `</s>` is predicted in sentence mode, and in stream mode
 *   only when the counts hold it (a counter that ends the stream with one
 *   `</s>`). `nextDistribution` returns 0 for ids outside it.
 * - `<unk>` is an ordinary predictable word: it gets its counts where the
 *   data has `<unk>` (tokens mapped to it by a pruned vocabulary), and
 *   otherwise only the mass the method gives unseen words (add-δ: δ share;
 *   Witten-Bell: the uniform floor; Katz: the Good-Turing leftover; MLE and
 *   stupid back-off: none, log10 = -Infinity).
 * - Only the last order-1 context ids matter; shorter contexts (sentence
 *   start) use the shorter history directly.
 * - Histories never seen back off to the longest seen suffix (weight 1),
 *   except add-δ (uniform) and stupid back-off (factor α per step).
 * - `logProb(...).ngramLength` is the length of the longest n-gram with a
 *   count ending in w (1 when there is none), like KenLM's.
 * - `nextDistribution` costs O(V + continuations of the matching histories).
 */
import type { NgramCounts, NgramModel } from '../api.js';
import { buildCountIndex } from './count-index.js';
import { type BackoffOrder, type ClassicModel } from './backoff-model.js';
import { buildMle } from './mle.js';
import { buildAddDelta } from './add-delta.js';
import { buildStupidBackoff } from './stupid-backoff.js';
import { buildKatz } from './katz.js';
import { buildWittenBell } from './witten-bell.js';

export { ARPA_LOG_ZERO, BackoffModel, type BackoffOrder, type ClassicModel } from './backoff-model.js';
export { AddDeltaModel, ADD_DELTA_NOT_ARPA } from './add-delta.js';
export { STUPID_BACKOFF_NOT_ARPA } from './stupid-backoff.js';
export { goodTuringDiscounts } from './katz.js';
export { buildCountIndex, type CountIndex } from './count-index.js';

export type ClassicSmoothing = 'mle' | 'add-delta' | 'stupid-backoff' | 'katz' | 'witten-bell';
export const CLASSIC_SMOOTHINGS: readonly ClassicSmoothing[] = ['mle', 'add-delta', 'stupid-backoff', 'katz', 'witten-bell'];

export interface SmoothingOptions {
  /** add-delta: δ > 0 (default 1, Laplace) */
  delta?: number;
  /** stupid-backoff: back-off factor α > 0 (default 0.4) */
  alpha?: number;
  /** katz: Good-Turing threshold k for orders ≥ 2 (default 5) */
  katzK?: number;
  /** katz: threshold for unigrams (default: katzK) */
  katzUnigramK?: number;
}

/**
 * Build a smoothed model from counts. Throws a clear Error for an unknown
 * smoothing, bad options, malformed tables, or counts with no predicted token
 * (an empty corpus).
 */
export function buildSmoothed(counts: NgramCounts, smoothing: ClassicSmoothing, opts: SmoothingOptions = {}): NgramModel & ClassicModel {
  if (!CLASSIC_SMOOTHINGS.includes(smoothing)) {
    throw new Error(`unknown smoothing "${smoothing}" for buildSmoothed (expected one of ${CLASSIC_SMOOTHINGS.join(', ')}; kn and mkn have their own builder)`);
  }
  const idx = buildCountIndex(counts);
  if (!(idx.total > 0)) throw new Error(`${smoothing}: the counts hold no predicted token (empty corpus?)`);
  switch (smoothing) {
    case 'mle':
      return buildMle(idx);
    case 'add-delta':
      return buildAddDelta(idx, opts.delta ?? 1);
    case 'stupid-backoff':
      return buildStupidBackoff(idx, opts.alpha ?? 0.4);
    case 'katz':
      return buildKatz(idx, { k: opts.katzK, unigramK: opts.katzUnigramK });
    case 'witten-bell':
      return buildWittenBell(idx);
  }
}

/**
 * The model as ARPA back-off entries, one element per order 1 … N (see
 * `BackoffOrder`: ids sorted lexicographically, log10 P, log10 back-off
 * weight, NaN when the n-gram is not a history; zero is written -99).
 * Order 1 lists every vocabulary id (`<s>`, never predicted, with -99).
 * Exact for mle, katz and witten-bell, and for add-delta and stupid-backoff
 * of order 1; throws an Error naming the reason for add-delta and
 * stupid-backoff of higher order, and for models not built here.
 */
export function toBackoffEntries(model: NgramModel): BackoffOrder[] {
  const m = model as Partial<ClassicModel>;
  if (typeof m.backoffEntries !== 'function') {
    throw new Error('toBackoffEntries: the model was not built by buildSmoothed (no back-off entries to write)');
  }
  return m.backoffEntries();
}
