/**
 * Generation stage: a lazily produced stream of sampled tokens.
 *
 * Input: a TokenSource (./source.ts) and options (prompt ids, limits,
 * sampling settings, seed).
 * Output: objectMode Readable of `GeneratedToken` records `{ id, token }`, one
 * per sampled token, in order. The end marker `</s>` and stop tokens end the
 * stream and are not emitted; the prompt is not emitted either (it is the
 * caller's to echo).
 *
 * Backpressure: a token is computed only inside `_read`, one per call, and the
 * buffer holds at most `highWaterMark` tokens (default 1), so at most one
 * token is computed ahead of what the consumer has taken. `destroy()` stops
 * it; no model call is made afterwards. A sampled token is fed to the model
 * (`advance`) only when the next one is asked for, so the last token of a
 * limited generation costs no model step.
 */
import { Readable } from 'node:stream';
import type { TokenSource } from './source.js';
import { Xoshiro128, type Xoshiro128State } from '../util/random.js';
import { sampleId, checkSamplingOptions, type SamplingOptions, type UniformSource } from './sampling.js';

export interface GeneratedToken {
  id: number;
  token: string;
}

/** Why a generation ended (available as `stream.stopReason` after 'end'). */
export type StopReason = 'eos' | 'stop' | 'max-tokens';

export interface GenerateOptions {
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
  /** tokens buffered ahead at most (default 1) */
  highWaterMark?: number;
}

export class GenerateStream<S = unknown> extends Readable {
  /** set when the stream ends by itself */
  stopReason: StopReason | undefined;
  /** tokens emitted so far */
  count = 0;
  private state: S | undefined;
  private started = false;
  /** the last emitted id, fed to the model only when another token is wanted */
  private pending = -1;
  private readonly rng: UniformSource;
  private readonly sampling: SamplingOptions;
  private readonly maxTokens: number;
  private readonly stops: Set<number>;
  private finished = false;

  constructor(private readonly source: TokenSource<S>, private readonly opts: GenerateOptions = {}) {
    super({ objectMode: true, highWaterMark: opts.highWaterMark ?? 1 });
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

  override _read(): void {
    if (this.finished) return;
    try {
      if (!this.started) {
        // The prompt is fed on the first demand, not at construction.
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
      const token = this.source.tokens[id];
      this.count++;
      this.pending = id;
      this.push({ id, token } satisfies GeneratedToken);
    } catch (e) {
      this.finished = true;
      this.destroy(e as Error);
    }
  }

  private finish(reason: StopReason): void {
    this.finished = true;
    this.stopReason = reason;
    this.push(null);
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.finished = true;
    this.state = undefined;
    cb(err);
  }
}

/** A lazily produced Readable of sampled tokens (see the file comment). */
export function generateStream<S>(source: TokenSource<S>, opts: GenerateOptions = {}): GenerateStream<S> {
  return new GenerateStream(source, opts);
}
