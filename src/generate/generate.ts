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
import type { Xoshiro128State } from '../util/random.js';
import { TokenLoop, type GeneratedToken, type StopReason, type TokenLoopOptions } from './token-loop.js';

export type { GeneratedToken, StopReason } from './token-loop.js';

export interface GenerateOptions extends TokenLoopOptions {
  /** tokens buffered ahead at most (default 1) */
  highWaterMark?: number;
}

/** The Readable form of TokenLoop (./token-loop.ts): the loop runs inside `_read`, one token per call. */
export class GenerateStream<S = unknown> extends Readable {
  private readonly loop: TokenLoop<S>;

  constructor(source: TokenSource<S>, opts: GenerateOptions = {}) {
    super({ objectMode: true, highWaterMark: opts.highWaterMark ?? 1 });
    this.loop = new TokenLoop(source, opts);
  }

  /** set when the stream ends by itself */
  get stopReason(): StopReason | undefined {
    return this.loop.stopReason;
  }

  /** tokens emitted so far */
  get count(): number {
    return this.loop.count;
  }

  /** The generator's state, when it is a Xoshiro128 (to save for a later resume). */
  rngState(): Xoshiro128State | undefined {
    return this.loop.rngState();
  }

  override _read(): void {
    if (this.loop.done) return;
    let t: GeneratedToken | null;
    try {
      t = this.loop.next();
    } catch (e) {
      this.destroy(e as Error);
      return;
    }
    this.push(t);
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.loop.stop();
    cb(err);
  }
}

/** A lazily produced Readable of sampled tokens (see the file comment). */
export function generateStream<S>(source: TokenSource<S>, opts: GenerateOptions = {}): GenerateStream<S> {
  return new GenerateStream(source, opts);
}
