/**
 * front-end: the text front end as the training and eval commands use it (composition
 * of the front end's stages, not a stage itself): documents (text lines or
 * JSON records, from files or stdin) → tokenizer → markers.
 *
 * Output: `RecordBatch<Tokens>` (string[][]): documents `<s> … </s>` in sentence
 * mode, bare in stream mode.
 *
 * The level fixes the tokenizer's defaults: char level uses the char
 * tokenizer keeping spaces as the token `\s` and, in stream mode, line ends
 * as the token `\n` (so the line structure is learnt, as char-rnn does);
 * word level uses the whitespace tokenizer unless told otherwise.
 */
import type { Transform } from 'node:stream';
import { readDocuments, type DocumentOptions } from '../io/documents.js';
import { tokenizer, type TokenizerName, type TokenizerOptions } from '../text/tokenizers.js';
import { markers } from '../text/markers.js';
import { NEWLINE_TOKEN, SPACE_TOKEN } from '../text/tokenize-char.js';
import { BOS, EOS, type MarkerMode } from '../types.js';
import type { Level } from './checkpoint.js';

export interface CorpusSpec {
  level: Level;
  tokenizer: TokenizerName;
  tokenizerOptions: TokenizerOptions;
  mode: MarkerMode;
}

/** where the documents come from: format, field, long-line guard (src/io/documents.ts) */
export type InputSpec = DocumentOptions;

/** The tokenizer and its options for a level, as recorded in config.json. */
export function corpusSpec(level: Level, mode: MarkerMode, name?: TokenizerName): CorpusSpec {
  const tok = name ?? (level === 'char' ? 'char' : 'whitespace');
  const tokenizerOptions: TokenizerOptions = tok === 'char' ? { spaces: true, newline: mode === 'stream' } : {};
  return { level, tokenizer: tok, tokenizerOptions, mode };
}

/** The stages after the reader: `RecordBatch<Doc>` → `RecordBatch<Tokens>` with markers. */
export function tokenStages(spec: CorpusSpec): [Transform, Transform] {
  return [tokenizer(spec.tokenizer, { ...spec.tokenizerOptions, batch: true }), markers(spec.mode, { batch: true })];
}

/** Documents of the files (stdin when none), to start a `pipeline`. */
export function documents(files: string[], input: InputSpec = {}): AsyncIterable<string[]> {
  return readDocuments(files, input);
}

/** Number of characters a document's tokens stand for (bits per character at char level). */
export function charCount(tokens: readonly string[]): number {
  let n = 0;
  for (const t of tokens) {
    if (t === BOS) continue;
    if (t === EOS || t === SPACE_TOKEN || t === NEWLINE_TOKEN) n += 1;
    else for (const _ of t) n++;
  }
  return n;
}
