/**
 * What the generator samples from: any model that gives a next-token
 * distribution over its vocabulary. n-gram (ARPA) models and neural
 * checkpoints are both adapted to this.
 */
export interface TokenSource<S = unknown> {
  /** id → token */
  readonly tokens: readonly string[];
  /** ids of `<s>` and `</s>` (or -1 when the model has none) */
  readonly bosId: number;
  readonly eosId: number;
  readonly unkId: number;
  /** the state after the beginning of a text (after `<s>` for sentence models) */
  begin(): S;
  /** feed one token id */
  advance(state: S, id: number): S;
  /** P(next | state) over all ids; sums to 1 (stupid back-off: scores, normalised by the sampler) */
  next(state: S): Float32Array | Float64Array;
}
