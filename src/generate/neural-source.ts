/**
 * Adapter: NeuralLM (src/neural/api.ts) → TokenSource (./source.ts).
 *
 * State: `{ gen, probs }`, the model's generation state and P(next | history)
 * returned by its last `step`. Sentence models begin by feeding `<s>`; stream
 * models begin by feeding `startIds` when given (e.g. the id of "\n" for a
 * character model, so that text starts as after a line break) and otherwise
 * with nothing: until a token has been fed, `next` is uniform over the
 * ordinary (non-reserved) tokens, so an empty prompt still works.
 */
import type { GenState, NeuralLM } from '../neural/api.js';
import type { MarkerMode } from '../types.js';
import type { TokenSource } from './source.js';

/** what generation needs of a model: a src/neural model, or an exported one (src/export/runtime.ts) */
export type StepModel = Pick<NeuralLM, 'config' | 'initialState' | 'step'>;

export interface NeuralState {
  gen: GenState;
  probs: Float32Array | undefined;
}

export interface NeuralSourceOptions {
  mode?: MarkerMode;
  /** stream mode: ids fed at the beginning (default none) */
  startIds?: readonly number[];
  /** reserved ids (default `<unk>`, `<s>`, `</s>` at 0, 1, 2) */
  bosId?: number;
  eosId?: number;
  unkId?: number;
}

export class NeuralSource implements TokenSource<NeuralState> {
  readonly bosId: number;
  readonly eosId: number;
  readonly unkId: number;
  readonly mode: MarkerMode;
  private readonly startIds: readonly number[];

  constructor(readonly model: StepModel, readonly tokens: readonly string[], opts: NeuralSourceOptions = {}) {
    if (tokens.length !== model.config.vocabSize) {
      throw new Error(`vocabulary has ${tokens.length} tokens but the model's config says vocabSize ${model.config.vocabSize}`);
    }
    this.unkId = opts.unkId ?? 0;
    this.bosId = opts.bosId ?? 1;
    this.eosId = opts.eosId ?? 2;
    this.mode = opts.mode ?? 'sentence';
    this.startIds = this.mode === 'sentence' ? [this.bosId] : (opts.startIds ?? []);
  }

  begin(): NeuralState {
    let s: NeuralState = { gen: this.model.initialState(), probs: undefined };
    for (const id of this.startIds) s = this.advance(s, id);
    return s;
  }

  advance(state: NeuralState, id: number): NeuralState {
    const r = this.model.step(state.gen, id);
    return { gen: r.state, probs: r.probs };
  }

  next(state: NeuralState): Float32Array {
    if (state.probs) return state.probs;
    const u = new Float32Array(this.tokens.length);
    for (let i = 0; i < u.length; i++) if (i !== this.bosId && i !== this.eosId && i !== this.unkId) u[i] = 1;
    return u;
  }
}
