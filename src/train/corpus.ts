/**
 * corpus: the front end as the training and eval commands use it, bytes →
 * token documents with markers.
 *
 * Input: Buffer chunks of UTF-8 text (one document per line).
 * Output: `Batch<Tokens>` (string[][]): up to 256 documents per chunk, each
 *         `<s> … </s>` in sentence mode, bare in stream mode.
 *
 * Tokenizers: `whitespace` (runs of non-space), `char` (one token per code
 * point; spaces are the token `\s`; in stream mode each line ends with the
 * token `\n` so the line structure is learnt, as char-rnn does).
 */
import split2 from 'split2';
import { BOS, EOS, type MarkerMode } from '../types.js';
import type { Level } from './checkpoint.js';

export type TokenizerName = 'whitespace' | 'char';
export const TOKENIZERS: readonly TokenizerName[] = ['whitespace', 'char'];
export const SPACE_TOKEN = '\\s';
export const NEWLINE_TOKEN = '\\n';

export interface CorpusSpec {
  level: Level;
  tokenizer: TokenizerName;
  mode: MarkerMode;
}

/** The tokenizer used by default for a level. */
export function defaultTokenizer(level: Level): TokenizerName {
  return level === 'char' ? 'char' : 'whitespace';
}

/** One document → its tokens, markers included (pure). */
export function documentTokens(text: string, spec: CorpusSpec): string[] {
  let toks: string[];
  if (spec.tokenizer === 'char') {
    toks = [];
    for (const ch of text) toks.push(/\s/.test(ch) ? SPACE_TOKEN : ch);
    if (spec.mode === 'stream') toks.push(NEWLINE_TOKEN);
  } else {
    toks = text.split(/\s+/).filter((t) => t.length > 0);
  }
  return spec.mode === 'sentence' ? [BOS, ...toks, EOS] : toks;
}

/** Number of characters a document's tokens stand for (bits per character at char level). */
export function charCount(tokens: readonly string[]): number {
  let n = 0;
  for (const t of tokens) if (t !== BOS) n += t === EOS || t === SPACE_TOKEN || t === NEWLINE_TOKEN ? 1 : t.length;
  return n;
}

/** The front-end stages, to spread into `pipeline(input, ...corpusStages(spec), sink)`. */
export function corpusStages(spec: CorpusSpec): [NodeJS.ReadWriteStream, (src: AsyncIterable<string>) => AsyncGenerator<string[][]>] {
  const lines = split2(/\r?\n/);
  async function* tokenize(src: AsyncIterable<string>): AsyncGenerator<string[][]> {
    let batch: string[][] = [];
    for await (const line of src) {
      batch.push(documentTokens(line, spec));
      if (batch.length === 256) { yield batch; batch = []; }
    }
    if (batch.length) yield batch;
  }
  return [lines, tokenize];
}
