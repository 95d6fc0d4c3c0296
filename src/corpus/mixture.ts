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
 * given tokens, by EM: λ ← mean over tokens of λ·a / (λ·a + (1 − λ)·b).
 * Each step never increases the perplexity; stops when λ moves less than `tol`.
 */
export function tuneMixtureWeight(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  opts: { start?: number; tol?: number; maxIter?: number } = {},
): TunedWeight {
  if (a.length !== b.length) throw new Error(`mixture: the two models scored ${a.length} and ${b.length} tokens`);
  if (a.length === 0) throw new Error('mixture: no tokens to tune the weight on');
  let lambda = opts.start ?? 0.5;
  const tol = opts.tol ?? 1e-7;
  const maxIter = opts.maxIter ?? 1000;
  let it = 0;
  while (it < maxIter) {
    it++;
    let post = 0;
    for (let i = 0; i < a.length; i++) {
      const pa = lambda * a[i];
      const den = pa + (1 - lambda) * b[i];
      post += den > 0 ? pa / den : 0;
    }
    const next = post / a.length;
    const moved = Math.abs(next - lambda);
    lambda = next;
    if (moved < tol) break;
  }
  return { lambda, ppl: mixturePerplexity(a, b, lambda), iterations: it };
}
