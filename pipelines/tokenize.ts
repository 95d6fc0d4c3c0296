/**
 * `lmstream tokenize`: documents (text lines or JSON records, from files or
 * stdin) → one line of space-separated tokens per document on stdout.
 */
import { pipeline } from 'node:stream/promises';
import { parseCommand, str, num, oneOf, UsageError } from '../src/cli/common.js';
import { readDocuments, FORMATS } from '../src/io/documents.js';
import { tokenizer, TOKENIZERS } from '../src/text/tokenizers.js';
import { markers as markerStage } from '../src/text/markers.js';
import type { MarkerMode } from '../src/types.js';

export const HELP = `usage: lmstream tokenize [options] [FILE...]

Split a corpus into tokens: one output line per document (a text line, or one
JSON record), tokens separated by single spaces. Reads stdin when no FILE is
given (or FILE is -).

options:
  --format F          text (one document per line, default), json or jsonl
                      (a top-level array, JSON Lines or concatenated values)
  --field a.b         JSON: dotted path of the text in each object record;
                      records without it are skipped and counted on stderr
  --tokenizer T       whitespace (default), kenlm (KenLM's: space, tab, CR,
                      NUL only), word (Unicode words, punctuation,
                      clitics, numbers, URLs) or char (code points)
  --char-newline      char tokenizer: keep line breaks as the token \\n
  --char-spaces       char tokenizer: keep whitespace as the token \\s
  --markers M         none (default; also called stream) or sentence
                      (<s> ... </s> around each document)
  --max-line-length N text: longest line in bytes (default 16777216)
  --skip-long-lines   text: skip longer lines with a warning instead of failing
  -h, --help          show this help
`;

export const INPUT_OPTIONS = {
  format: { type: 'string' },
  field: { type: 'string' },
  tokenizer: { type: 'string' },
  'char-newline': { type: 'boolean' },
  'char-spaces': { type: 'boolean' },
  markers: { type: 'string' },
  'max-line-length': { type: 'string' },
  'skip-long-lines': { type: 'boolean' },
} as const;

type ParsedArgs = NonNullable<ReturnType<typeof parseCommand>>;

/** The input, tokenizer and marker settings shared by tokenize and vocab. */
export function inputSettings(p: ParsedArgs) {
  const format = oneOf(p, 'format', FORMATS, 'text');
  const field = str(p, 'field');
  if (field !== undefined && format === 'text') throw new UsageError('--field applies to JSON input only (add --format json or jsonl)');
  if (field !== undefined && field.split('.').some((k) => k === '')) throw new UsageError(`--field: '${field}' has an empty step`);
  const name = oneOf(p, 'tokenizer', TOKENIZERS, 'whitespace');
  const newline = p.values['char-newline'] === true;
  const spaces = p.values['char-spaces'] === true;
  if ((newline || spaces) && name !== 'char') throw new UsageError('--char-newline and --char-spaces apply to --tokenizer char only');
  const markers = oneOf(p, 'markers', ['none', 'stream', 'sentence'] as const, 'none');
  const maxLineLength = num(p, 'max-line-length', 16 * 1024 * 1024, { min: 1, integer: true });
  const onLongLine: 'error' | 'skip' = p.values['skip-long-lines'] === true ? 'skip' : 'error';
  const mode: MarkerMode = markers === 'sentence' ? 'sentence' : 'stream';
  return {
    docs: { format, field, maxLineLength, onLongLine },
    /** Batch<Doc> → Batch<Tokens> with markers: the stages in order */
    stages: () => [tokenizer(name, { newline, spaces, batch: true }), markerStage(mode, { batch: true })],
  };
}

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, INPUT_OPTIONS, HELP);
  if (!p) return 0;
  const s = inputSettings(p);
  const [tok, mark] = s.stages();
  await pipeline(
    readDocuments(p.positionals, s.docs),
    tok,
    mark,
    async function* (batches: AsyncIterable<string[][]>) {
      for await (const docs of batches) {
        let out = '';
        for (const d of docs) out += d.join(' ') + '\n';
        yield out;
      }
    },
    process.stdout,
    { end: false },
  );
  return 0;
}
