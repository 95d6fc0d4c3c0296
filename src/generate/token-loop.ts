/**
 * The generation loop without streams: one sampled token per `next()` call.
 * GenerateStream (./generate.ts) wraps it in a Readable for Node; the browser
 * module (src/browser/) calls it directly, so the same seed gives the same
 * tokens in both. Pure logic.
 *
 * Input: a TokenSource (./source.ts) and options (prompt ids, limits,
 * sampling settings, seed or a shared generator).
 * Output: `GeneratedToken` records `{ id, token }`, then null once `</s>`, a
 * stop token or the limit is reached (`stopReason` says which; the end marker
 * and stop tokens are not returned). The prompt is fed on the first call, and
 * a sampled token is fed to the model only when the next one is asked for,
 * so the last token of a limited generation costs no model step.
 * State held: the source's state, the pending id, the generator.
 */
import type { TokenSource } from './source.js';
import { Xoshiro128, type Xoshiro128State } from '../util/random.js';
import { sampleId, checkSamplingOptions, type SamplingOptions, type UniformSource } from './sampling.js';

export interface GeneratedToken {
  id: number;
  token: string;
}

/** Why a generation ended. */
export type StopReason = 'eos' | 'stop' | 'max-tokens';

export interface TokenLoopOptions {
  /** ids fed after `begin()` before sampling starts */
  prompt?: ArrayLike<number>;
  /** sampled tokens at most (0 or Infinity: no limit). Default 100. */
  maxTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  greedy?: boolean;
  /** forbid `<unk>` */
  noUnk?: boolean;
  /** seed of a fresh Xoshiro128 (ignored when `rng` is given). Default 0. */
  seed?: number;
  /** share one generator across several generations (e.g. `--count N`) */
  rng?: UniformSource;
  /** ids that end the generation (not emitted) */
  stopIds?: readonly number[];
  /** also stop at `</s>` (default true) */
  stopAtEos?: boolean;
}

export class TokenLoop<S = unknown> {
  /** set when the loop ends by itself */
  stopReason: StopReason | undefined;
  /** tokens returned so far */
  count = 0;
  private state: S | undefined;
  private started = false;
  /** the last returned id, fed to the model only when another token is wanted */
  private pending = -1;
  private finished = false;
  readonly rng: UniformSource;
  private readonly sampling: SamplingOptions;
  private readonly maxTokens: number;
  private readonly stops: Set<number>;

  constructor(private readonly source: TokenSource<S>, private readonly opts: TokenLoopOptions = {}) {
    this.sampling = {
      temperature: opts.temperature ?? 1,
      topK: opts.topK,
      topP: opts.topP,
      greedy: opts.greedy,
      bosId: source.bosId,
      unkId: source.unkId,
      noUnk: opts.noUnk,
    };
    checkSamplingOptions(this.sampling);
    const mt = opts.maxTokens ?? 100;
    if (!(mt >= 0)) throw new RangeError(`maxTokens must be >= 0, got ${mt}`);
    this.maxTokens = mt === 0 ? Infinity : mt;
    this.rng = opts.rng ?? new Xoshiro128(opts.seed ?? 0);
    this.stops = new Set(opts.stopIds ?? []);
    if (opts.stopAtEos !== false && source.eosId >= 0) this.stops.add(source.eosId);
  }

  /** The generator's state, when it is a Xoshiro128 (to save for a later resume). */
  rngState(): Xoshiro128State | undefined {
    return this.rng instanceof Xoshiro128 ? this.rng.getState() : undefined;
  }

  /** true once null has been returned (or `stop()` was called) */
  get done(): boolean {
    return this.finished;
  }

  /** The next sampled token, or null at the end. Throws the model's or the sampler's errors (and ends). */
  next(): GeneratedToken | null {
    if (this.finished) return null;
    try {
      if (!this.started) {
        let s = this.source.begin();
        const prompt = this.opts.prompt ?? [];
        for (let i = 0; i < prompt.length; i++) s = this.source.advance(s, prompt[i]);
        this.state = s;
        this.started = true;
      }
      if (this.count >= this.maxTokens) return this.finish('max-tokens');
      if (this.pending >= 0) {
        this.state = this.source.advance(this.state as S, this.pending);
        this.pending = -1;
      }
      const id = sampleId(this.source.next(this.state as S), this.sampling, this.rng);
      if (this.stops.has(id)) return this.finish(id === this.source.eosId ? 'eos' : 'stop');
      this.count++;
      this.pending = id;
      return { id, token: this.source.tokens[id] };
    } catch (e) {
      this.stop();
      throw e;
    }
  }

  /** End now: no model call is made afterwards, the state is released. */
  stop(): void {
    this.finished = true;
    this.state = undefined;
  }

  private finish(reason: StopReason): null {
    this.stopReason = reason;
    this.stop();
    return null;
  }
}
