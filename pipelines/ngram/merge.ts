/**
 * `lmstream ngram merge`: sums count files (the reducer of a map/reduce count).
 */
import { promises as fsp } from 'node:fs';
import { openInput } from '../../src/io/open-input.js';
import { UserError, parseCommand } from '../../src/cli/common.js';
import { countLines } from '../../src/ngram/counts.js';
import { lines } from '../../src/io/lines.js';
import { mergeSortedCounts } from '../../src/ngram/merge.js';
import { readCountFiles, writeOut } from './output.js';

export const HELP = `usage: lmstream ngram merge [--sorted] [FILE...]

Sums count files ("n-gram<TAB>count" lines; stdin when no FILE).
  --sorted   inputs are sorted with LC_ALL=C sort: stream them in constant
             memory (the reducer of a map/reduce count); an input out of order
             is an error. Without it, inputs may be in any order; the counts
             are held in memory (compactly) and written grouped by order.
`;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, { sorted: { type: 'boolean' } }, HELP);
  if (!p) return 0;
  const files = p.positionals.length ? p.positionals : ['-'];
  if (p.values.sorted) {
    for (const f of files) {
      if (f !== '-') await fsp.access(f).catch(() => { throw new UserError(`${f}: no such file`); });
    }
    const inputs = files.map((f) => ({ name: f === '-' ? 'stdin' : f, lines: lines(openInput(f)) }));
    try {
      await writeOut(mergeSortedCounts(inputs));
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    return 0;
  }
  const c = await readCountFiles(files, undefined, 'sentence');
  await writeOut(countLines(c));
  return 0;
}
