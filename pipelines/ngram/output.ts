/** Output and count-file input shared by the `lmstream ngram` subcommands. */
import { openInput } from '../../src/io/open-input.js';
import { UserError } from '../../src/cli/common.js';
import { writeAll } from '../../src/util/output.js';
import type { MarkerMode } from '../../src/types.js';
import type { NgramCounts } from '../../src/ngram/api.js';
import { MAX_ORDER } from '../../src/ngram/build.js';
import { CountFileReader } from '../../src/ngram/counts.js';
import { lines } from '../../src/io/lines.js';

/** Write text chunks to stdout with backpressure; a write error rejects (util/output.ts). */
export function writeOut(chunks: AsyncIterable<string> | Iterable<string>): Promise<void> {
  return writeAll(process.stdout, chunks);
}

/** Count files ("n-gram<TAB>count" lines; stdin for none or `-`) summed into count tables. */
export async function readCountFiles(files: string[], order: number | undefined, mode: MarkerMode): Promise<NgramCounts> {
  const r = new CountFileReader(MAX_ORDER);
  const list = files.length ? files : ['-'];
  for (const f of list) {
    const src = openInput(f);
    const name = f === '-' ? 'stdin' : f;
    let n = 0;
    try {
      for await (const line of lines(src)) {
        n++;
        r.add(line, `${name}:${n}`);
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new UserError(`${name}: no such file`);
      throw new UserError((e as Error).message);
    }
  }
  if (order !== undefined && r.maxOrder > 0 && r.maxOrder < order) {
    throw new UserError(`the counts hold n-grams up to order ${r.maxOrder}, not ${order}`);
  }
  return r.finish(order, mode);
}
