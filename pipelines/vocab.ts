/**
 * `lmstream vocab`: documents → tokenizer → markers → counting pass → the
 * vocabulary as JSON (format "lmstream-vocab", version 1), written atomically
 * to --out or to stdout.
 */
import { pipeline } from 'node:stream/promises';
import { parseCommand, str, num, log, UsageError } from '../src/cli/common.js';
import { atomicWriteFile } from '../src/util/atomic-write.js';
import { writeAll } from '../src/util/output.js';
import { readDocuments } from '../src/io/documents.js';
import { vocabCount } from '../src/vocab/vocab-count.js';
import { INPUT_OPTIONS, inputSettings } from './tokenize.js';
import { corpusHelp } from './corpus-options.js';

export const HELP = `usage: lmstream vocab [options] [FILE...]

Count the tokens of a corpus and write its vocabulary as JSON: ids 0, 1, 2 are
<unk>, <s>, </s>; then tokens by descending count (ties in code-point order).
Reads stdin when no FILE is given (or FILE is -).

options:
  --min-count N       keep tokens seen at least N times (default 1)
  --max-size N        keep at most N entries, reserved ones included (min 3)
  --out FILE          write the JSON to FILE atomically (default: stdout)
${corpusHelp('whitespace')}  --markers M         none (default; also called stream) or sentence
                      (counts <s> and </s>)
  -h, --help          show this help
`;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, { ...INPUT_OPTIONS, 'min-count': { type: 'string' }, 'max-size': { type: 'string' }, out: { type: 'string' } }, HELP);
  if (!p) return 0;
  const minCount = num(p, 'min-count', 1, { min: 1, integer: true });
  const maxSize = num(p, 'max-size', Infinity, { min: 3, integer: true });
  const out = str(p, 'out');
  if (out === '') throw new UsageError('--out needs a file name');
  const s = inputSettings(p);
  const [tok, mark] = s.stages();
  const counter = vocabCount({ minCount, maxSize, batch: true });
  await pipeline(readDocuments(p.positionals, s.docs), tok, mark, counter);
  const vocab = counter.vocabulary!;
  const json = JSON.stringify(vocab.toJSON()) + '\n';
  if (out === undefined) {
    await writeAll(process.stdout, [json]);
  } else {
    await atomicWriteFile(out, json);
  }
  log(`vocab: ${counter.documents} documents, ${counter.tokens} tokens, ${counter.counts.size} types → ${vocab.size} entries${out ? ` in ${out}` : ''}`);
  return 0;
}
