/**
 * Stupid back-off (Brants et al. 2007) (pure logic). Input: CountIndex;
 * output: BackoffModel with normalized = false.
 *
 *   S(w | h) = c(h, w) / c(h)      if c(h, w) > 0,
 *            = α · S(w | h')       otherwise (also when h was never seen),
 *   S(w)     = c(w) / N.
 * These are SCORES, NOT PROBABILITIES: they do not sum to 1 over the
 * vocabulary (nextDistribution returns the scores; a sampler must normalise
 * them) and perplexities computed from them are not perplexities. α = 0.4 by
 * default. Words with no count (e.g. `<unk>` when the data has none) score 0.
 * The back-off penalty counts from the longest usable history: with order 3
 * and the context `<s>` alone, the bigram score is used without penalty.
 * No ARPA form beyond order 1 (see `notArpa`).
 */
import type { CountIndex } from './count-index.js';
import { relativeFrequencies } from './mle.js';
import { BackoffModel } from './backoff-model.js';

export const STUPID_BACKOFF_NOT_ARPA =
  'stupid back-off gives scores, not probabilities (they do not sum to 1), and multiplies by α even after a history ' +
  'never seen, where an ARPA back-off model uses weight 1; only the order-1 model (relative frequencies) is exact in ARPA';

export function buildStupidBackoff(idx: CountIndex, alpha = 0.4): BackoffModel {
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new Error(`stupid-backoff: alpha must be a positive number, got ${alpha}`);
  const { p1, prob, bo } = relativeFrequencies(idx, alpha);
  return new BackoffModel('stupid-backoff', false, idx, p1, prob, bo, alpha, idx.order > 1 ? STUPID_BACKOFF_NOT_ARPA : undefined);
}
