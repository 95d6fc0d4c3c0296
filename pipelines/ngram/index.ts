/**
 * `lmstream ngram count|merge|build|ppl|binary`: n-gram counting, count merging,
 * model building (ARPA) and perplexity, KenLM-compatible. One module per
 * subcommand; the n-gram options are parsed once, in options.ts.
 */
import { UsageError } from '../../src/cli/common.js';

const HELP = `usage: lmstream ngram SUBCOMMAND [options]   (lmstream ngram SUBCOMMAND --help)

  count   count n-grams of orders 1…N: "n-gram<TAB>count" lines
  merge   sum count files (the reducer of a map/reduce count)
  build   build a smoothed model and write it as an ARPA file
  ppl     perplexity of an ARPA model on text, as KenLM's query
  binary  convert an ARPA model to the binary format (loads in one read)

Map/reduce recipe (e.g. Hadoop Streaming: mapper = count, reducer = merge --sorted):
  lmstream ngram count --order 3 shard1.txt > c1
  lmstream ngram count --order 3 shard2.txt > c2
  cat c1 c2 | LC_ALL=C sort | lmstream ngram merge --sorted > counts
  lmstream ngram build --order 3 --counts counts --arpa lm.arpa
`;

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    // each subcommand's modules load only when it runs (a scoring run loads no builder)
    case 'count': return (await import('./count.js')).main(rest);
    case 'merge': return (await import('./merge.js')).main(rest);
    case 'build': return (await import('./build.js')).main(rest);
    case 'ppl': return (await import('./ppl.js')).main(rest);
    case 'binary': return (await import('./binary.js')).main(rest);
    case undefined:
      process.stdout.write(HELP);
      return 2;
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return 0;
    default:
      throw new UsageError(`ngram: unknown subcommand '${sub}' (count, merge, build, ppl, binary)`);
  }
}
