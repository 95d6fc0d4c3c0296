/**
 * Shared n-gram types: the in-memory count tables that smoothing methods read,
 * and the model interface that perplexity, ARPA output and generation use.
 */
import type { Vocabulary } from '../vocab/vocabulary.js';
import type { MarkerMode } from '../types.js';

/**
 * Counts of all n-grams of one order k. Entry i has ids
 * `ids[i*k] … ids[i*k + k - 1]` (oldest word first) and count `counts[i]`.
 * Entries are sorted in ascending lexicographic order of their ids.
 */
export interface CountTable {
  order: number;
  n: number;
  ids: Uint32Array;
  counts: Float64Array;
}

export interface NgramCounts {
  order: number;
  vocab: Vocabulary;
  mode: MarkerMode;
  /** tables[k - 1] holds the k-grams, k = 1 … order */
  tables: CountTable[];
}

export type Smoothing = 'mle' | 'add-delta' | 'stupid-backoff' | 'katz' | 'witten-bell' | 'kn' | 'mkn';

export interface NgramModel {
  readonly order: number;
  readonly vocab: Vocabulary;
  /** false for stupid back-off, whose scores are not probabilities */
  readonly normalized: boolean;
  /**
   * log10 P(w | context). `context` is the preceding ids, oldest first, of any
   * length (only the last order-1 matter). `ngramLength` is the length of the
   * longest n-gram the estimate used, as KenLM's `query` reports it.
   */
  logProb(context: ArrayLike<number>, w: number): { log10: number; ngramLength: number };
  /** P(· | context) over every vocabulary id */
  nextDistribution(context: ArrayLike<number>): Float64Array;
}
