/**
 * Adapter: NgramModel (src/ngram/api.ts) → TokenSource (./source.ts).
 *
 * State: the context ids, oldest first, at most order−1 long (all the model
 * can use). Sentence models (the KenLM/SRILM convention, default) begin after
 * `<s>`; stream models begin with an empty context. The distribution is the
 * model's `nextDistribution`: probabilities, or stupid back-off scores which
 * the sampler renormalises.
 */
import type { NgramModel } from '../ngram/api.js';
import type { MarkerMode } from '../types.js';
import type { TokenSource } from './source.js';

export type NgramState = readonly number[];

export class NgramSource implements TokenSource<NgramState> {
  readonly tokens: readonly string[];
  readonly bosId: number;
  readonly eosId: number;
  readonly unkId: number;
  private readonly keep: number;

  constructor(readonly model: NgramModel, readonly mode: MarkerMode = 'sentence') {
    this.tokens = model.vocab.tokens;
    this.bosId = model.vocab.bosId;
    this.eosId = model.vocab.eosId;
    this.unkId = model.vocab.unkId;
    this.keep = Math.max(0, model.order - 1);
  }

  begin(): NgramState {
    return this.mode === 'sentence' && this.keep > 0 ? [this.bosId] : [];
  }

  advance(state: NgramState, id: number): NgramState {
    if (this.keep === 0) return state;
    const next = state.length >= this.keep ? state.slice(state.length - this.keep + 1) : state.slice();
    next.push(id);
    return next;
  }

  next(state: NgramState): Float64Array {
    return this.model.nextDistribution(state);
  }
}
