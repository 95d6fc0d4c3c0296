/**
 * A linear mixture of token sources (n-gram and neural models that share a
 * tokenization) as one TokenSource, for `next` and generation:
 *
 *   P(w | h) = Σ_k λ_k · P_k(w | h)
 *
 * Input: the component sources and their weights (λ_k ≥ 0, Σ λ_k = 1).
 * Output: next-token distributions over the union of the components'
 * vocabularies (the first component's ids first, then each later
 * component's new tokens in its id order).
 *
 * A token a component does not know gets probability 0 from it (that
 * component's `<unk>` mass stays on `<unk>`), so the mixture sums to 1 when
 * each component does; each component's distribution is divided by its sum
 * first (stupid back-off scores become probabilities, as the sampler would
 * make them; for the others the sum is 1 up to rounding). A token fed to a
 * component that does not know it is fed as its `<unk>`. Scoring a text
 * (src/api/load.ts) scores each token with each component as that component
 * scores it, OOVs as `<unk>`, as `lmstream mix` tunes the weights.
 *
 * State: one state per component (`begin`/`advance` of each). Memory: the id
 * maps (one Int32Array of the union's size per component) and one output
 * distribution per `next` call. Pure logic.
 */
import type { TokenSource } from './source.js';

export interface MixtureComponent {
  source: TokenSource<unknown>;
  weight: number;
}

export class MixtureSource implements TokenSource<unknown[]> {
  readonly tokens: readonly string[];
  readonly bosId: number;
  readonly eosId: number;
  readonly unkId: number;
  readonly weights: readonly number[];
  private readonly sources: TokenSource<unknown>[];
  /** per component: union id → the component's id, or -1 */
  private readonly maps: Int32Array[];
  private readonly ids: Map<string, number>;

  constructor(components: readonly MixtureComponent[]) {
    if (components.length === 0) throw new Error('a mixture needs at least one model');
    const sum = components.reduce((s, c) => s + c.weight, 0);
    for (const c of components) {
      if (!(c.weight >= 0 && c.weight <= 1)) throw new RangeError(`mixture weight ${c.weight} is outside [0, 1]`);
    }
    if (Math.abs(sum - 1) > 1e-6) throw new RangeError(`mixture weights sum to ${sum}, not 1`);
    this.sources = components.map((c) => c.source);
    this.weights = components.map((c) => c.weight);
    const tokens: string[] = [];
    this.ids = new Map();
    for (const s of this.sources) {
      for (const t of s.tokens) {
        if (!this.ids.has(t)) {
          this.ids.set(t, tokens.length);
          tokens.push(t);
        }
      }
    }
    this.tokens = tokens;
    this.maps = this.sources.map((s) => {
      const m = new Int32Array(tokens.length).fill(-1);
      s.tokens.forEach((t, i) => { m[this.ids.get(t)!] = i; });
      return m;
    });
    const first = this.sources[0];
    const id = (cid: number) => (cid >= 0 ? this.ids.get(first.tokens[cid])! : -1);
    this.bosId = id(first.bosId);
    this.eosId = id(first.eosId);
    this.unkId = id(first.unkId);
  }

  /** the union id of a token, or -1 */
  id(token: string): number {
    return this.ids.get(token) ?? -1;
  }

  begin(): unknown[] {
    return this.sources.map((s) => s.begin());
  }

  advance(state: unknown[], id: number): unknown[] {
    return this.sources.map((s, k) => {
      const cid = this.maps[k][id];
      return s.advance(state[k], cid >= 0 ? cid : s.unkId);
    });
  }

  next(state: unknown[]): Float64Array {
    const out = new Float64Array(this.tokens.length);
    this.sources.forEach((s, k) => {
      const w = this.weights[k];
      if (w === 0) return;
      const d = s.next(state[k]);
      let total = 0;
      for (let i = 0; i < d.length; i++) total += d[i];
      if (!(total > 0)) throw new Error(`mixture: model ${k + 1} gives no probability to any token here`);
      const m = this.maps[k];
      const scale = w / total;
      for (let u = 0; u < out.length; u++) {
        const cid = m[u];
        if (cid >= 0) out[u] += scale * d[cid];
      }
    });
    return out;
  }
}
