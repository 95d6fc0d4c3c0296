/**
 * Sampling math (pure, no streams): turn a model's next-token distribution
 * into one token id.
 *
 * Input: `scores`, one non-negative number per vocabulary id — probabilities
 * that sum to 1, or unnormalised scores (stupid back-off): every step below
 * renormalises, so both work.
 * Output: a token id.
 *
 * Order of the transforms (the order of Hugging Face's samplers):
 *   1. masking: `<s>` is never sampled (`bosId`), `<unk>` optionally
 *      (`noUnk`), plus any `banIds`; masked entries get probability 0;
 *   2. temperature T: p_i ← p_i^(1/T) / Σ_j p_j^(1/T), computed in log space
 *      as exp((ln p_i − max ln p) / T) so that small T neither underflows to
 *      all-zero nor overflows; T → 0 is greedy, T = 1 leaves p unchanged;
 *   3. top-k: keep the k most probable ids;
 *   4. top-p (nucleus): keep the smallest set of most probable ids whose total
 *      probability (after 2–3, renormalised) is at least p;
 *   5. draw by inverse CDF with one uniform number u ∈ [0, 1): the first id in
 *      increasing id order whose cumulative probability exceeds u·total.
 * Ties in ranking (top-k, top-p, greedy) are broken by the lower id, so the
 * kept set is always the same for the same input.
 * Greedy (`greedy: true` or `temperature: 0`) returns the most probable
 * unmasked id (lowest id among equals) and consumes no random number.
 */

/** Where uniform numbers come from: `Xoshiro128` from src/util/random.ts, or any () => [0,1). */
export interface UniformSource {
  random(): number;
}

export interface SamplingOptions {
  /** T > 0 sharpens (T < 1) or flattens (T > 1); 0 means greedy. Default 1. */
  temperature?: number;
  /** keep only the k most probable ids; 0 or undefined = off */
  topK?: number;
  /** keep the smallest most-probable set with mass >= p; 1 or undefined = off */
  topP?: number;
  /** always take the most probable id */
  greedy?: boolean;
  /** the id of `<s>`, never sampled (-1 or undefined: none) */
  bosId?: number;
  /** the id of `<unk>` */
  unkId?: number;
  /** forbid `<unk>` (needs unkId) */
  noUnk?: boolean;
  /** further ids that must not be sampled */
  banIds?: readonly number[];
}

/** Raised when no id can be sampled (everything masked or zero). */
export class EmptyDistributionError extends Error {
  constructor(why: string) {
    super(`cannot sample: ${why}`);
    this.name = 'EmptyDistributionError';
  }
}

/** Check options once (the CLI calls this to report bad values early). */
export function checkSamplingOptions(o: SamplingOptions): void {
  const T = o.temperature ?? 1;
  if (!(T >= 0) || !Number.isFinite(T)) throw new RangeError(`temperature must be a finite number >= 0, got ${T}`);
  if (o.topK !== undefined && (!Number.isInteger(o.topK) || o.topK < 0)) {
    throw new RangeError(`top-k must be a whole number >= 0, got ${o.topK}`);
  }
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new RangeError(`top-p must be in (0, 1], got ${o.topP}`);
}

/**
 * Copy of `scores` with masked ids set to 0 and validated: throws on a
 * negative or NaN score (naming the id).
 */
export function maskScores(scores: ArrayLike<number>, o: SamplingOptions = {}): Float64Array {
  const p = Float64Array.from(scores as ArrayLike<number>);
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (!(v >= 0)) throw new RangeError(`score of id ${i} is ${v}: scores must be non-negative numbers`);
  }
  if (o.bosId !== undefined && o.bosId >= 0 && o.bosId < p.length) p[o.bosId] = 0;
  if (o.noUnk && o.unkId !== undefined && o.unkId >= 0 && o.unkId < p.length) p[o.unkId] = 0;
  if (o.banIds) for (const id of o.banIds) if (id >= 0 && id < p.length) p[id] = 0;
  return p;
}

/** Divide by the sum in place; throws when the sum is 0. Returns p. */
export function normalize(p: Float64Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum += p[i];
  if (!(sum > 0)) throw new EmptyDistributionError('every token has probability 0 (after masking)');
  if (!Number.isFinite(sum)) {
    // Infinite scores: the infinite ones share the mass equally.
    let n = 0;
    for (let i = 0; i < p.length; i++) if (p[i] === Infinity) n++;
    for (let i = 0; i < p.length; i++) p[i] = p[i] === Infinity ? 1 / n : 0;
    return p;
  }
  for (let i = 0; i < p.length; i++) p[i] /= sum;
  return p;
}

/**
 * Temperature in log space, in place: p_i ← p_i^(1/T) / Σ p_j^(1/T).
 * Zeros stay zero. T must be > 0 (T = 0 is handled as greedy by the caller).
 */
export function applyTemperature(p: Float64Array, T: number): Float64Array {
  if (!(T > 0) || !Number.isFinite(T)) throw new RangeError(`temperature must be > 0 here, got ${T}`);
  if (T === 1) return normalize(p);
  let maxLog = -Infinity;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) maxLog = Math.max(maxLog, Math.log(p[i]));
  if (maxLog === -Infinity) throw new EmptyDistributionError('every token has probability 0 (after masking)');
  const invT = 1 / T;
  for (let i = 0; i < p.length; i++) p[i] = p[i] > 0 ? Math.exp((Math.log(p[i]) - maxLog) * invT) : 0;
  return normalize(p);
}

/** Ids with p > 0 sorted by descending p, ties by ascending id. */
export function rankIds(p: ArrayLike<number>): number[] {
  const ids: number[] = [];
  for (let i = 0; i < p.length; i++) if (p[i] > 0) ids.push(i);
  ids.sort((a, b) => p[b] - p[a] || a - b);
  return ids;
}

/** Keep the k most probable ids (ties: lower id first), zero the rest, in place. */
export function applyTopK(p: Float64Array, k: number): Float64Array {
  if (!k || k <= 0) return p;
  const ranked = rankIds(p);
  if (ranked.length <= k) return p;
  for (let r = k; r < ranked.length; r++) p[ranked[r]] = 0;
  return normalize(p);
}

/**
 * Nucleus: keep the smallest prefix of the ranking whose mass is >= topP
 * (p must be normalised), zero the rest, in place. A tiny tolerance (1e-12)
 * keeps a boundary that the float sum misses by rounding.
 */
export function applyTopP(p: Float64Array, topP: number): Float64Array {
  if (topP === undefined || topP >= 1) return p;
  const ranked = rankIds(p);
  let cum = 0;
  let keep = ranked.length;
  for (let r = 0; r < ranked.length; r++) {
    cum += p[ranked[r]];
    if (cum >= topP - 1e-12) {
      keep = r + 1;
      break;
    }
  }
  for (let r = keep; r < ranked.length; r++) p[ranked[r]] = 0;
  return normalize(p);
}

/** The most probable id (lowest id among equals); -1 if all are 0. */
export function argmax(p: ArrayLike<number>): number {
  let best = -1;
  let bv = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > bv) { bv = p[i]; best = i; }
  return best;
}

/**
 * Inverse CDF draw: the first id whose cumulative mass exceeds u · total.
 * Never returns an id of probability 0. `u` must be in [0, 1).
 */
export function drawIndex(p: ArrayLike<number>, u: number): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) total += p[i];
  if (!(total > 0)) throw new EmptyDistributionError('every token has probability 0');
  const target = u * total;
  let cum = 0;
  let last = -1;
  for (let i = 0; i < p.length; i++) {
    if (p[i] > 0) {
      cum += p[i];
      last = i;
      if (cum > target) return i;
    }
  }
  return last; // rounding: u·total at the very top
}

/**
 * The final distribution the sampler draws from (masking, temperature, top-k,
 * top-p applied, normalised). For greedy, a one-hot vector at the argmax.
 */
export function samplingDistribution(scores: ArrayLike<number>, o: SamplingOptions = {}): Float64Array {
  const p = maskScores(scores, o);
  const T = o.temperature ?? 1;
  if (o.greedy || T === 0) {
    const best = argmax(p);
    if (best < 0) throw new EmptyDistributionError('every token has probability 0 (after masking)');
    p.fill(0);
    p[best] = 1;
    return p;
  }
  applyTemperature(p, T);
  if (o.topK) applyTopK(p, o.topK);
  if (o.topP !== undefined && o.topP < 1) applyTopP(p, o.topP);
  return p;
}

/** Sample one id. Greedy consumes no random number; otherwise exactly one. */
export function sampleId(scores: ArrayLike<number>, o: SamplingOptions, rng: UniformSource): number {
  const p = maskScores(scores, o);
  const T = o.temperature ?? 1;
  if (o.greedy || T === 0) {
    const best = argmax(p);
    if (best < 0) throw new EmptyDistributionError('every token has probability 0 (after masking)');
    return best;
  }
  applyTemperature(p, T);
  if (o.topK) applyTopK(p, o.topK);
  if (o.topP !== undefined && o.topP < 1) applyTopP(p, o.topP);
  return drawIndex(p, rng.random());
}
