/**
 * `lmstream tokenize`: documents (text lines or JSON records, from files or
 * stdin) → one line of space-separated tokens per document on stdout.
 */
import { pipeline } from 'node:stream/promises';
import { parseCommand, oneOf } from '../src/cli/common.js';
import { readDocuments } from '../src/io/documents.js';
import { tokenizer } from '../src/text/tokenizers.js';
import { CORPUS_OPTIONS, corpusHelp, corpusInput } from './corpus-options.js';
import { markers as markerStage } from '../src/text/markers.js';
import type { MarkerMode } from '../src/types.js';

export const HELP = `usage: lmstream tokenize [options] [FILE...]

Split a corpus into tokens: one output line per document (a text line, or one
JSON record), tokens separated by single spaces. Reads stdin when no FILE is
given (or FILE is -).

options:
${corpusHelp('whitespace')}  --markers M         none (default; also called stream) or sentence
                      (<s> ... </s> around each document)
  -h, --help          show this help
`;

export const INPUT_OPTIONS = { ...CORPUS_OPTIONS, markers: { type: 'string' } } as const;

type ParsedArgs = NonNullable<ReturnType<typeof parseCommand>>;

/** The input, tokenizer and marker settings shared by tokenize and vocab. */
export function inputSettings(p: ParsedArgs) {
  const input = corpusInput(p, 'whitespace');
  const markers = oneOf(p, 'markers', ['none', 'stream', 'sentence'] as const, 'none');
  const mode: MarkerMode = markers === 'sentence' ? 'sentence' : 'stream';
  return {
    docs: input,
    /** RecordBatch<Doc> → RecordBatch<Tokens> with markers: the stages in order */
    stages: () => [tokenizer(input.tokenizer, { ...input.tokenizerOptions, batch: true }), markerStage(mode, { batch: true })],
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
