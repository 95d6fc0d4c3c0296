/**
 * Pure logic (no streams): perplexity of per-token probabilities and the
 * linear mixture of two language models in probability space,
 *   P(w | h) = λ·P_a(w | h) + (1 − λ)·P_b(w | h),
 * with λ fixed (0.5 in Bengio et al. 2003) or tuned by EM on held-out tokens.
 * Inputs are the probabilities each model gave to the same token stream.
 */

/** exp(−mean ln p) over the tokens. */
export function perplexity(probs: ArrayLike<number>): number {
  if (probs.length === 0) return NaN;
  let nats = 0;
  for (let i = 0; i < probs.length; i++) nats -= Math.log(probs[i]);
  return Math.exp(nats / probs.length);
}

/** Perplexity of the mixture λ·a + (1 − λ)·b. */
export function mixturePerplexity(a: ArrayLike<number>, b: ArrayLike<number>, lambda: number): number {
  if (a.length !== b.length) throw new Error(`mixture: the two models scored ${a.length} and ${b.length} tokens`);
  if (!(lambda >= 0 && lambda <= 1)) throw new RangeError(`mixture: weight ${lambda} is outside [0, 1]`);
  if (a.length === 0) return NaN;
  let nats = 0;
  for (let i = 0; i < a.length; i++) nats -= Math.log(lambda * a[i] + (1 - lambda) * b[i]);
  return Math.exp(nats / a.length);
}

export interface TunedWeight {
  lambda: number;
  /** perplexity of the mixture at lambda, on the tuning tokens */
  ppl: number;
  iterations: number;
}

/**
 * The weight λ of model a that minimises the mixture's perplexity on the
 * given tokens, by EM (`tuneMixtureWeights` with two models).
 */
export function tuneMixtureWeight(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  opts: { start?: number; tol?: number; maxIter?: number } = {},
): TunedWeight {
  const start = opts.start ?? 0.5;
  const t = tuneMixtureWeights([a, b], { start: [start, 1 - start], tol: opts.tol, maxIter: opts.maxIter });
  return { lambda: t.weights[0], ppl: mixturePerplexity(a, b, t.weights[0]), iterations: t.iterations };
}

export interface TunedWeights {
  /** one weight per model, summing to 1 */
  weights: number[];
  /** perplexity of the mixture with these weights, on the tuning tokens */
  ppl: number;
  iterations: number;
}

/** Perplexity of the mixture Σ_k w_k·P_k (each P_k the probabilities a model gave the same tokens). */
export function mixturePerplexityOf(probs: readonly ArrayLike<number>[], weights: readonly number[]): number {
  const n = checkAligned(probs);
  if (weights.length !== probs.length) throw new Error(`mixture: ${weights.length} weights for ${probs.length} models`);
  if (n === 0) return NaN;
  let nats = 0;
  for (let i = 0; i < n; i++) {
    let p = 0;
    for (let k = 0; k < probs.length; k++) p += weights[k] * probs[k][i];
    nats -= Math.log(p);
  }
  return Math.exp(nats / n);
}

function checkAligned(probs: readonly ArrayLike<number>[]): number {
  if (probs.length === 0) throw new Error('mixture: no models');
  const n = probs[0].length;
  for (const p of probs) {
    if (p.length !== n) throw new Error(`mixture: the models scored ${probs.map((q) => q.length).join(' and ')} tokens`);
  }
  return n;
}

/**
 * The weights of K models that minimise the mixture's perplexity on the given
 * tokens, by EM: w_k ← mean over tokens of w_k·P_k / Σ_j w_j·P_j (each step
 * never increases the perplexity). Starts from `start` (default uniform);
 * stops when no weight moves by `tol` (default 1e-7) or after `maxIter`;
 * a single model that scores better than where EM stopped is taken instead.
 */
export function tuneMixtureWeights(
  probs: readonly ArrayLike<number>[],
  opts: { start?: readonly number[]; tol?: number; maxIter?: number } = {},
): TunedWeights {
  const n = checkAligned(probs);
  if (n === 0) throw new Error('mixture: no tokens to tune the weights on');
  const K = probs.length;
  let w = opts.start ? [...opts.start] : new Array<number>(K).fill(1 / K);
  if (w.length !== K || w.some((x) => !(x >= 0 && x <= 1))) throw new RangeError(`mixture: start weights must be ${K} numbers in [0, 1]`);
  const tol = opts.tol ?? 1e-7;
  const maxIter = opts.maxIter ?? 1000;
  const post = new Float64Array(K);
  let it = 0;
  while (it < maxIter) {
    it++;
    post.fill(0);
    let used = 0;
    for (let i = 0; i < n; i++) {
      let den = 0;
      for (let k = 0; k < K; k++) den += w[k] * probs[k][i];
      if (den > 0) {
        used++;
        for (let k = 0; k < K; k++) post[k] += (w[k] * probs[k][i]) / den;
      }
    }
    // tokens every model gives probability 0 say nothing about the weights
    if (used === 0) throw new Error('mixture: every token has probability 0 under every model');
    let moved = 0;
    const next = Array.from(post, (x) => x / used);
    for (let k = 0; k < K; k++) moved = Math.max(moved, Math.abs(next[k] - w[k]));
    w = next;
    if (moved < tol) break;
  }
  // EM creeps towards an optimum on the boundary: a single model that already does better wins
  let ppl = mixturePerplexityOf(probs, w);
  for (let k = 0; k < K; k++) {
    const one = new Array<number>(K).fill(0);
    one[k] = 1;
    const p = mixturePerplexityOf(probs, one);
    if (p < ppl) { ppl = p; w = one; }
  }
  return { weights: w, ppl, iterations: it };
}
