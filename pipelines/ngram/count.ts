/**
 * `lmstream ngram count`: n-gram counts of a corpus as "n-gram<TAB>count" lines on stdout.
 */
import { UserError, inputBytes, log, parseCommand, str } from '../../src/cli/common.js';
import { countCorpusToFile } from '../../src/ngram/table-runs.js';
import { MAX_ORDER } from '../../src/ngram/build.js';
import { CORPUS_OPTIONS, NGRAM_CORPUS_HELP, ngramCorpus, ORDER_OPTIONS, markerMode, memoryOption, ngramOrder } from './options.js';
import { writeOut } from './output.js';

export const HELP = `usage: lmstream ngram count --order N [--mode sentence|stream] [--memory SIZE] [--skip-symbols] [FILE...]

Counts every n-gram of orders 1…N of the text (files or stdin, gzip, bzip2 or
xz read directly; tokens split by the kenlm tokenizer: space, tab, CR, NUL,
as KenLM's lmplz) and writes "w1 … wk<TAB>count" lines to stdout.
  --order N        highest order, 1…${MAX_ORDER} (required)
  --mode M         sentence (default): each line is <s> … </s>;
                   stream: the whole input is one stream (one <s>, one </s>)
  --memory SIZE    cap (e.g. 500M, 2G, 50%). The corpus is always counted in
                   parts (1M ids, or what SIZE allows) merged into running
                   tables, so memory follows the distinct n-grams, not the
                   corpus; with SIZE, tables past half of it are written as
                   sorted binary runs to --temp-dir and merged at the end
                   (removed on success, error and signals). The output is
                   the same bytes either way.
  --temp-dir DIR   where runs go (default: the system temp directory)
  --skip-symbols   drop <unk> tokens (KenLM --skip_symbols); by default <unk>
                   is counted as a word. <s> and </s> are always dropped.
Output is sorted by ids, not by text: use LC_ALL=C sort before merge --sorted.
corpus:
${NGRAM_CORPUS_HELP}`;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, {
    ...ORDER_OPTIONS, ...CORPUS_OPTIONS, memory: { type: 'string' },
    'temp-dir': { type: 'string' }, 'skip-symbols': { type: 'boolean' },
  }, HELP);
  if (!p) return 0;
  const order = ngramOrder(p);
  const mode = markerMode(p);
  const memory = memoryOption(p);
  const corpus = ngramCorpus(p, log);
  const stats = await countCorpusToFile(corpus.bytes, {
    order, mode, memory, tempDir: str(p, 'temp-dir'), lines: corpus.lines,
    unk: p.values['skip-symbols'] ? 'skip' : 'word',
    warn: log,
    write: writeOut,
  });
  if (stats.empty) throw new UserError('empty corpus: there is nothing to count');
  if (stats.runs > 1) log(`ngram count: ${stats.runs} sorted runs merged`);
  return 0;
}
