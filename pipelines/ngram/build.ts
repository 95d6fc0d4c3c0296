/**
 * `lmstream ngram build`: a smoothed n-gram model of a corpus or of count files, written as an ARPA file.
 */
import {
  UsageError, UserError, inputBytes, log, parseCommand, str,
} from '../../src/cli/common.js';
import { atomicWrite } from '../../src/util/atomic-write.js';
import { MAX_ORDER, buildArpaFromCorpus, defaultMemory, buildArpaFromCounts, type NgramBuildOptions } from '../../src/ngram/build.js';
import { CORPUS_OPTIONS, NGRAM_CORPUS_HELP, ngramCorpus, ORDER_OPTIONS, SMOOTHING_OPTIONS, markerMode, memoryOption, ngramOrder, smoothingOptions } from './options.js';
import { readCountFiles } from './output.js';
import { promises as fsp } from 'node:fs';
import { fileSink, type ByteSink } from '../../src/ngram/arpa-write.js';
import { HashedArpaReader } from '../../src/ngram/arpa-read.js';
import { writeBinaryModel } from '../../src/ngram/load.js';
import { ProgressMeter } from '../../src/train/progress.js';

export const HELP = `usage: lmstream ngram build --order N [--smoothing S] [--arpa OUT] [--binary OUT.lmb] [--prune] [options] [FILE... | --counts F...]

Builds an n-gram model from a corpus (files or stdin) or from count files and
writes it in ARPA format (to OUT, atomically, or to stdout) and/or, with
--binary, in the binary format of 'lmstream ngram binary' (atomically).
  --order N              highest order, 1…${MAX_ORDER} (required)
  --smoothing S          mkn (default: interpolated modified Kneser-Ney exactly
                         as KenLM's lmplz), kn, mle, add-delta, stupid-backoff
                         (scores, not probabilities; no ARPA for order > 1),
                         katz, witten-bell
  --delta D              add-delta δ (default 1: Laplace)
  --alpha A              stupid-backoff α (default 0.4)
  --katz-k K             katz: Good-Turing threshold k, 0…50 (default 5, as
                         SRILM's gtmax): counts up to k are discounted
  --discount-fallback "D1 D2 D3"
                         Kneser-Ney discounts used, with a warning, where they
                         cannot be estimated (default "0.5 1 1.5", as KenLM)
  --mode M               sentence (default) or stream (whole input one stream)
  --prune                kn/mkn: drop the highest-order n-grams seen once
                         (KenLM's --prune 0 … 0 1); their mass goes to the
                         back-off weights, so the model stays normalized
  --counts F             read counts from count files instead of a corpus
                         (repeatable)
  --memory SIZE          bound the build (e.g. 500M, 2G, 50%), as KenLM's
                         lmplz -S. kn/mkn: every pass (counting, adjusted
                         counts, discounts, interpolation, ARPA writing)
                         streams sorted n-gram records through --temp-dir in
                         buffers of SIZE, so the peak stays within SIZE +
                         150 MB whatever the corpus size (496 MB with 500M
                         on a 25M-token 5-gram); a worker thread sorts the
                         runs and formats the ARPA lines beside the main
                         one; progress of each pass on stderr (a bar with
                         ETA on a terminal), and each pass's time and peak
                         memory. Other
                         smoothings: the counting is bounded (spilled runs),
                         the estimation holds every distinct n-gram. The
                         ARPA file is the same byte for byte either way.
                         Without --memory the cap is half the physical memory
                         (${(defaultMemory() / 2 ** 30).toFixed(1)} GB here): a corpus that fits is built in
                         memory (fastest), a bigger one is streamed.
  --temp-dir DIR         where the runs go (default: the system temp directory)
  --skip-symbols         drop <unk> tokens of the corpus (KenLM --skip_symbols).
                         By default a literal <unk> of the corpus is an
                         ordinary word, written <unk-word> in the ARPA file
                         (the model's own <unk> keeps the mass for unseen
                         words); 'ngram ppl' scores a test <unk> as that word.
  --quiet                no statistics on stderr
corpus (FILEs or stdin; gzip, bzip2, xz read directly):
${NGRAM_CORPUS_HELP}`;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, {
    ...ORDER_OPTIONS, ...SMOOTHING_OPTIONS, ...CORPUS_OPTIONS, arpa: { type: 'string' }, binary: { type: 'string' },
    counts: { type: 'string', multiple: true }, memory: { type: 'string' }, 'temp-dir': { type: 'string' },
    prune: { type: 'boolean' }, 'skip-symbols': { type: 'boolean' }, quiet: { type: 'boolean' },
  }, HELP);
  if (!p) return 0;
  const order = ngramOrder(p);
  const mode = markerMode(p);
  const memory = memoryOption(p);
  const opts: NgramBuildOptions = {
    order, mode, ...smoothingOptions(p),
    unk: p.values['skip-symbols'] ? 'skip' : 'word',
    prune: Boolean(p.values.prune),
    memory,
    tempDir: str(p, 'temp-dir'),
    warn: log,
    log: p.values.quiet ? undefined : (m) => log(`ngram build: ${m}`),
    // a bounded build's passes: a bar with ETA on a terminal, otherwise a line every 10 s of a pass that takes longer
    meters: p.values.quiet ? undefined : (label, total, unit) => new ProgressMeter({ label: `ngram build: ${label}`, total, unit, intervalSec: 10, firstLineSec: 10 }),
  };
  const countFiles = (p.values.counts as string[] | undefined) ?? [];
  if (countFiles.length && p.positionals.length) throw new UsageError('give either corpus files or --counts, not both');
  const corpusOpt = Object.keys(CORPUS_OPTIONS).find((k) => p.values[k] !== undefined);
  if (countFiles.length && corpusOpt) throw new UsageError(`--${corpusOpt} applies to a corpus, not to --counts`);
  const corpus = countFiles.length ? undefined : ngramCorpus(p, log);
  opts.totalBytes = corpus?.size;
  const arpa = str(p, 'arpa');
  const binary = str(p, 'binary');
  const run = async (out: string | NodeJS.WritableStream | ByteSink) => {
    try {
      if (countFiles.length) {
        const c = await readCountFiles(countFiles, order, mode);
        await buildArpaFromCounts(c, { ...opts, out: out as string });
      } else {
        await buildArpaFromCorpus(corpus!.bytes, { ...opts, lines: corpus!.lines, out: out as string });
      }
    } catch (e) {
      if (e instanceof UserError || (e as NodeJS.ErrnoException).code === 'EPIPE') throw e;
      throw new UserError((e as Error).message);
    }
  };
  if (binary) {
    // the ARPA text goes straight into the binary model's reader (and to --arpa too when given)
    const reader = new HashedArpaReader('the built model');
    const toBinary = reader.sink();
    if (arpa) {
      await atomicWrite(arpa, async (tmp) => {
        const fh = await fsp.open(tmp, 'w');
        try {
          const file = fileSink(fh);
          await run({ write: async (c: Buffer) => { await file.write(c); await toBinary.write(c); } });
        } finally {
          await fh.close();
        }
      });
    } else await run(toBinary as ByteSink);
    await writeBinaryModel(binary, reader.end());
  } else {
    // --arpa: buildArpaFrom* write the file atomically and durably themselves
    await run(arpa ?? process.stdout);
  }
  return 0;
}
