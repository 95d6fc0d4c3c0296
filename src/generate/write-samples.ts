/**
 * Sample text to a byte sink: the body of `lmstream generate`.
 *
 * Input: a TokenSource, the prompt (its tokens as typed and their ids), the
 * sampling options and a Writable of text (stdout).
 * Output: `count` samples, one per line: the prompt as typed (unless `echo: false`),
 * then the continuation, written token by token through
 * generateStream → detokenizeStage → out, then "\n". One Rng serves all the
 * samples, so a seed fixes the whole output.
 *
 * `out` is not ended (it is stdout). When the reader goes away (EPIPE), the
 * pipeline rejects and destroys the generator: no more tokens are computed.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TokenSource } from './source.js';
import { generateStream, type GenerateOptions, type StopReason } from './generate.js';
import { detokenizeStage, detokenizeTokens, type DetokenizeLevel } from './detokenize-stage.js';
import { Rng } from './rng.js';

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

/** Write text, waiting for 'drain' when the sink is full. */
async function write(out: Writable, text: string): Promise<void> {
  if (text === '') return;
  if (!out.write(text)) {
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => { out.off('error', onError); resolve(); };
      const onError = (e: Error) => { out.off('drain', onDrain); reject(e); };
      out.once('drain', onDrain);
      out.once('error', onError);
    });
  }
}

/** Returns why each sample ended. */
export async function writeSamples<S>(source: TokenSource<S>, out: Writable, o: WriteSamplesOptions): Promise<StopReason[]> {
  const rng = new Rng(o.seed ?? 0);
  const promptTokens = o.promptTokens ?? [];
  const echo = o.echo ?? true;
  const reasons: StopReason[] = [];
  const count = o.count ?? 1;
  for (let i = 0; i < count; i++) {
    const previous = echo ? promptTokens : undefined;
    if (echo) {
      const text = o.promptText ?? detokenizeTokens(promptTokens, o.level);
      await write(out, o.level === 'char' ? text : text.trimEnd());
    }
    const gen = generateStream(source, { ...o, prompt: o.promptIds ?? [], rng });
    await pipeline(gen, detokenizeStage({ level: o.level, previous }), out, { end: false });
    reasons.push(gen.stopReason ?? 'max-tokens');
    await write(out, '\n');
  }
  return reasons;
}
