/**
 * The corpus-input options, one set for every command that reads a corpus
 * (tokenize, vocab, train-stream, eval, ngram build|count|ppl): --format,
 * --field, --max-line-length, --skip-long-lines, and --tokenizer with the
 * char tokenizer's flags. `corpusInput` turns them into a `CorpusInput`
 * (src/io/corpus-input.ts), which builds the document/token stream.
 */
import { UsageError, num, oneOf, str, type Options, type Parsed } from '../src/cli/common.js';
import type { DocumentOptions } from '../src/io/documents.js';
import { FORMATS } from '../src/io/formats.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../src/io/lines.js';
import { TOKENIZERS, type TokenizerName } from '../src/text/tokenizers.js';
import type { CorpusInput } from '../src/io/corpus-input.js';
import type { MarkerMode } from '../src/types.js';

/** where the documents come from */
export const DOCUMENT_OPTIONS = {
  format: { type: 'string' },
  field: { type: 'string' },
  'max-line-length': { type: 'string' },
  'skip-long-lines': { type: 'boolean' },
} as const satisfies Options;

/** how they are tokenized */
export const TOKENIZER_OPTIONS = {
  tokenizer: { type: 'string' },
  'char-newline': { type: 'boolean' },
  'char-spaces': { type: 'boolean' },
} as const satisfies Options;

export const CORPUS_OPTIONS = { ...DOCUMENT_OPTIONS, ...TOKENIZER_OPTIONS } as const satisfies Options;

/** Help lines for the corpus options (the tokenizer's default named). */
export function corpusHelp(defaultTokenizer: TokenizerName): string {
  return `  --format F          text (one document per line, default), json or jsonl
                      (a top-level array, JSON Lines or concatenated values)
  --field a.b         JSON: dotted path of the text in each object record;
                      records without it are skipped and counted on stderr
  --tokenizer T       ${TOKENIZERS.map((t) => (t === defaultTokenizer ? `${t} (default)` : t)).join(', ')}
                      (the rules: README, "Tokenizer rules")
  --char-newline      char tokenizer: keep line breaks as the token \\n
  --char-spaces       char tokenizer: keep whitespace as the token \\s
  --max-line-length N longest line in bytes (default ${DEFAULT_MAX_LINE_LENGTH})
  --skip-long-lines   skip longer lines with a warning instead of failing
`;
}

/** --format, --field, --max-line-length, --skip-long-lines */
export function documentOptions(p: Parsed, warn?: (msg: string) => void): DocumentOptions {
  const format = oneOf(p, 'format', FORMATS, 'text');
  const field = str(p, 'field');
  if (field !== undefined && format === 'text') throw new UsageError('--field applies to JSON input only (add --format json or jsonl)');
  if (field !== undefined && field.split('.').some((k) => k === '')) throw new UsageError(`--field: '${field}' has an empty step`);
  const maxLineLength = num(p, 'max-line-length', DEFAULT_MAX_LINE_LENGTH, { min: 1, integer: true });
  const onLongLine: 'error' | 'skip' = p.values['skip-long-lines'] === true ? 'skip' : 'error';
  return { format, field, maxLineLength, onLongLine, ...(warn ? { warn } : {}) };
}

/** The tokenizer named by --tokenizer (or `dflt`) with the char flags. */
export function tokenizerOption(p: Parsed, dflt: TokenizerName): Pick<CorpusInput, 'tokenizer' | 'tokenizerOptions'> {
  const name = oneOf(p, 'tokenizer', TOKENIZERS, dflt);
  const newline = p.values['char-newline'] === true;
  const spaces = p.values['char-spaces'] === true;
  if ((newline || spaces) && name !== 'char') throw new UsageError('--char-newline and --char-spaces apply to --tokenizer char only');
  return { tokenizer: name, tokenizerOptions: name === 'char' ? { newline, spaces } : {} };
}

/** --mode sentence|stream (default sentence): how documents are marked with <s> and </s> */
export const MODE_OPTION = { mode: { type: 'string' } } as const satisfies Options;

/** --mode sentence|stream (default sentence). */
export function markerMode(p: Parsed): MarkerMode {
  return oneOf(p, 'mode', ['sentence', 'stream'] as const, 'sentence');
}

/** Help lines of the corpus options of the n-gram commands (default tokenizer: kenlm). */
export const NGRAM_CORPUS_HELP = corpusHelp('kenlm');

/** All corpus options: the documents and their tokenizer. */
export function corpusInput(p: Parsed, defaultTokenizer: TokenizerName, warn?: (msg: string) => void): CorpusInput {
  return { ...documentOptions(p, warn), ...tokenizerOption(p, defaultTokenizer) };
}
