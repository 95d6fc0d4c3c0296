/**
 * Sample text to a byte sink: the body of `lmstream generate`.
 *
 * Input: a TokenSource, the prompt (its tokens as typed and their ids), the
 * sampling options and a Writable of text (stdout).
 * Output: `count` samples, one per line: the prompt as typed (unless `echo: false`),
 * then the continuation, written token by token through
 * generateStream → detokenizeStage → out, then "\n". One Xoshiro128 serves all the
 * samples, so a seed fixes the whole output.
 *
 * `out` is not ended (it is stdout). When the reader goes away (EPIPE), the
 * next write throws, the pipeline destroys the generator (no more tokens are
 * computed) and the error is returned to the caller.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TokenSource } from './source.js';
import { generateStream, type GenerateOptions, type StopReason } from './generate.js';
import { detokenizeStage, detokenizeTokens, type DetokenizeLevel } from './detokenize-stage.js';
import { Xoshiro128 } from '../util/random.js';

export interface WriteSamplesOptions extends Omit<GenerateOptions, 'prompt' | 'rng'> {
  /** the prompt as typed (echoed verbatim; trailing whitespace dropped except at char level) */
  promptText?: string;
  /** its tokens (the last one decides the spacing before the continuation) */
  promptTokens?: readonly string[];
  /** their ids (fed to the model) */
  promptIds?: ArrayLike<number>;
  /** print the prompt before each continuation (default true) */
  echo?: boolean;
  /** samples, one per line (default 1) */
  count?: number;
  level: DetokenizeLevel;
}

/**
 * Writes text to `out` with backpressure, without adding listeners per chunk
 * (stdout receives thousands of samples): one 'error' listener for the whole
 * run records the first error, and every later write throws it.
 */
class Sink {
  private failed: Error | undefined;
  private readonly onError = (e: Error) => { this.failed ??= e; };

  constructor(private readonly out: Writable) {
    out.on('error', this.onError);
  }

  async write(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.out.destroyed) throw Object.assign(new Error('output stream closed'), { code: 'ERR_STREAM_DESTROYED' });
    if (text === '' || this.out.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.out.off('drain', done);
        this.out.off('close', done);
        this.out.off('error', done);
        resolve();
      };
      this.out.on('drain', done);
      this.out.on('close', done);
      this.out.on('error', done);
    });
    if (this.failed) throw this.failed;
  }

  get error(): Error | undefined {
    return this.failed;
  }

  release(): void {
    this.out.off('error', this.onError);
  }
}

/** Returns why each sample ended. */
export async function writeSamples<S>(source: TokenSource<S>, out: Writable, o: WriteSamplesOptions): Promise<StopReason[]> {
  const rng = new Xoshiro128(o.seed ?? 0);
  const promptTokens = o.promptTokens ?? [];
  const echo = o.echo ?? true;
  const reasons: StopReason[] = [];
  const count = o.count ?? 1;
  const sink = new Sink(out);
  try {
    for (let i = 0; i < count; i++) {
      const previous = echo ? promptTokens : undefined;
      if (echo) {
        const text = o.promptText ?? detokenizeTokens(promptTokens, o.level);
        await sink.write(o.level === 'char' ? text : text.trimEnd());
      }
      const gen = generateStream(source, { ...o, prompt: o.promptIds ?? [], rng });
      // a failed write throws in the consumer: pipeline destroys the generator
      try {
        await pipeline(gen, detokenizeStage({ level: o.level, previous }), async (chunks: AsyncIterable<string>) => {
          for await (const c of chunks) await sink.write(c);
        });
      } catch (e) {
        throw sink.error ?? e; // the output's own error (EPIPE), not the abort it caused
      }
      reasons.push(gen.stopReason ?? 'max-tokens');
      await sink.write('\n');
    }
  } finally {
    sink.release();
  }
  return reasons;
}
