/**
 * How a neural checkpoint's text begins and how its prompts are split, shared
 * by `lmstream generate` (./load-model.ts) and the browser module
 * (src/browser/). Pure logic.
 *
 * - Prompts are tokenized with the tokenizer training used (name + options
 *   from config.json); the char tokenizer in stream mode ends every document
 *   with a `\n` token, which a prompt drops unless the typed text itself ends
 *   with a line break (a prompt continues its line).
 * - Stream-mode models start as after a line break: `\n` is fed first when
 *   the vocabulary has it (sentence-mode models start after `<s>`, which
 *   NeuralSource feeds itself).
 */
import { getTokenizer, type TokenizerName, type TokenizerOptions } from '../text/tokenizers.js';
import { NEWLINE_TOKEN } from '../text/tokenize-char.js';

/** text → prompt tokens for a model trained with this tokenizer */
export function promptTokenizer(name: TokenizerName, opts: TokenizerOptions = {}): (text: string) => string[] {
  const tokenize = getTokenizer(name, opts);
  return (text) => {
    const toks = tokenize(text);
    return name === 'char' && toks[toks.length - 1] === NEWLINE_TOKEN && !/[\r\n]$/.test(text) ? toks.slice(0, -1) : toks;
  };
}

/** ids fed before a stream-mode text: `\n`'s id when the vocabulary has it */
export function streamStartIds(has: (token: string) => boolean, id: (token: string) => number): number[] {
  return has(NEWLINE_TOKEN) ? [id(NEWLINE_TOKEN)] : [];
}
