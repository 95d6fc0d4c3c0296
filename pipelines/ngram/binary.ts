/**
 * `lmstream ngram binary IN OUT`: an ARPA model (or a binary one) written as
 * a binary model, which loads in one read (src/ngram/binary.ts).
 */
import { UsageError, UserError, log, parseCommand } from '../../src/cli/common.js';
import { loadNgramData, writeBinaryModel } from '../../src/ngram/load.js';

export const HELP = `usage: lmstream ngram binary IN.arpa OUT.lmb [--quiet]

Converts an n-gram model from ARPA text to lmstream's binary format (written
atomically). Every command taking --model (ngram ppl, eval, generate, mix)
reads either format, telling them apart by the first bytes. The binary file
holds KenLM's hashed (probing) layout, packed: 16 bytes per n-gram below the
highest order, 12 at it, plus a bucket directory (under a byte per n-gram); the
ARPA values are kept exactly, so scores equal the ARPA model's to the last
digit.
  --quiet   no statistics on stderr
`;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, { quiet: { type: 'boolean' } }, HELP);
  if (!p) return 0;
  if (p.positionals.length !== 2) throw new UsageError('give the input model and the output file: lmstream ngram binary IN.arpa OUT.lmb');
  const [input, output] = p.positionals;
  const t0 = performance.now();
  let data;
  try {
    data = await loadNgramData(input, { closure: true });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  await writeBinaryModel(output, data);
  if (!p.values.quiet) {
    const counts = [data.uniP.length, ...data.tables.slice(2).map((t) => t!.n)];
    log(`ngram binary: ${output}: order ${data.order}, n-grams ${counts.join(' ')}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return 0;
}
