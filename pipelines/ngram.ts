/**
 * `lmstream ngram count|merge|build|ppl`: n-gram counting, count merging,
 * model building (ARPA) and perplexity, KenLM-compatible.
 */
import { createReadStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import { Readable } from 'node:stream';
import {
  UsageError, UserError, atomicWrite, inputBytes, log, num, oneOf, parseCommand, str, type Parsed,
} from '../src/cli/common.js';
import type { MarkerMode } from '../src/types.js';
import type { NgramCounts, Smoothing } from '../src/ngram/api.js';
import { MAX_ORDER, SMOOTHINGS, buildArpaFromCorpus, buildArpaFromCounts, type NgramBuildOptions } from '../src/ngram/build.js';
import { countCorpusToFile } from '../src/ngram/count-spill.js';
import { CountFileReader, countLines } from '../src/ngram/counts.js';
import { lines } from '../src/ngram/lines.js';
import { mergeSortedCounts } from '../src/ngram/merge.js';
import { loadArpaModel } from '../src/ngram/arpa-read.js';
import type { ArpaModel } from '../src/ngram/arpa-model.js';
import { PplScorer, formatSummary } from '../src/ngram/ppl.js';
import { formatLog10 } from '../src/ngram/arpa-write.js';

const HELP = `usage: lmstream ngram SUBCOMMAND [options]   (lmstream ngram SUBCOMMAND --help)

  count   count n-grams of orders 1…N: "n-gram<TAB>count" lines
  merge   sum count files (the reducer of a map/reduce count)
  build   build a smoothed model and write it as an ARPA file
  ppl     perplexity of an ARPA model on text, as KenLM's query

Map/reduce recipe (e.g. Hadoop Streaming: mapper = count, reducer = merge --sorted):
  lmstream ngram count --order 3 shard1.txt > c1
  lmstream ngram count --order 3 shard2.txt > c2
  cat c1 c2 | LC_ALL=C sort | lmstream ngram merge --sorted > counts
  lmstream ngram build --order 3 --counts counts --arpa lm.arpa
`;

const COUNT_HELP = `usage: lmstream ngram count --order N [--mode sentence|stream] [--memory SIZE] [--skip-symbols] [FILE...]

Counts every n-gram of orders 1…N of the text (files or stdin; tokens split
on spaces and tabs, as KenLM) and writes "w1 … wk<TAB>count" lines to stdout.
  --order N        highest order, 1…${MAX_ORDER} (required)
  --mode M         sentence (default): each line is <s> … </s>;
                   stream: the whole input is one stream (one <s>, one </s>)
  --memory SIZE    cap for the in-memory tables (e.g. 500M, 2G, 50%): the
                   corpus is counted in parts, each written as a sorted run to
                   a temporary directory (--temp-dir), and the runs are merged
  --temp-dir DIR   where runs go (default: the system temp directory)
  --skip-symbols   drop <unk> tokens (KenLM --skip_symbols); by default <unk>
                   is counted as a word. <s> and </s> are always dropped.
Output is sorted by ids, not by text: use LC_ALL=C sort before merge --sorted.
`;

const MERGE_HELP = `usage: lmstream ngram merge [--sorted] [FILE...]

Sums count files ("n-gram<TAB>count" lines; stdin when no FILE).
  --sorted   inputs are sorted with LC_ALL=C sort: stream them in constant
             memory (the reducer of a map/reduce count); an input out of order
             is an error. Without it, inputs may be in any order; the counts
             are held in memory (compactly) and written grouped by order.
`;

const BUILD_HELP = `usage: lmstream ngram build --order N [--smoothing S] [--arpa OUT] [--prune] [options] [FILE... | --counts F...]

Builds an n-gram model from a corpus (files or stdin) or from count files and
writes it in ARPA format (to OUT, atomically, or to stdout).
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
  --memory SIZE          bound the counting (e.g. 500M, 2G, 50%): the corpus
                         is read in parts whose ids and count tables fit SIZE,
                         each written as a sorted run to --temp-dir, the runs
                         merged, and the model built from the merged counts
                         (the same ARPA file as without --memory). Bounded:
                         the corpus ids and the per-part count tables. Not
                         bounded: the estimation, which holds every distinct
                         n-gram (about 12 bytes each) and, for kn/mkn, each
                         N-gram padded to N words (4N+12 bytes): a 25M-token
                         5-gram peaks near 1.5 GB and takes 1.8x as long, so
                         --memory pays off only when the corpus is much
                         larger than its n-grams.
  --temp-dir DIR         where the runs go (default: the system temp directory)
  --skip-symbols         drop <unk> tokens of the corpus (KenLM --skip_symbols).
                         By default a literal <unk> of the corpus is an
                         ordinary word, written <unk-word> in the ARPA file
                         (the model's own <unk> keeps the mass for unseen
                         words); 'ngram ppl' scores a test <unk> as that word.
  --quiet                no statistics on stderr
`;

const PPL_HELP = `usage: lmstream ngram ppl --model M [--per-token] [--mode sentence|stream] [FILE...]

Scores text (files or stdin) with an ARPA model as KenLM's query does and
prints the summary: perplexity including and excluding OOVs, OOVs, tokens
(</s> counted). Tokens of probability 0 (possible with mle and katz; -99 in
an ARPA file) are zeroprobs, as in SRILM: counted on a "Zeroprobs:" line and
left out of both perplexities. With --per-token, first one line per token:
"token<TAB>log10 p<TAB>n-gram length" (log10 p is -inf for a zeroprob).
`;

export function parseSize(raw: string, name = 'memory'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT%]?)[bB]?$/.exec(raw.trim());
  if (!m) throw new UsageError(`--${name}: '${raw}' is not a size (e.g. 500M, 2G, 50%)`);
  const v = Number(m[1]);
  const unit = m[2].toUpperCase();
  const mult: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };
  const bytes = unit === '%' ? (os.totalmem() * v) / 100 : v * mult[unit];
  if (!(bytes >= 1 << 20)) throw new UsageError(`--${name}: ${raw} is below the minimum 1M`);
  return Math.floor(bytes);
}

function orderOf(p: Parsed, required = true): number {
  if (required && str(p, 'order') === undefined) throw new UsageError('--order is required');
  return num(p, 'order', 3, { min: 1, max: MAX_ORDER, integer: true });
}

function modeOf(p: Parsed): MarkerMode {
  return oneOf(p, 'mode', ['sentence', 'stream'] as const, 'sentence');
}

async function writeOut(chunks: AsyncIterable<string> | Iterable<string>): Promise<void> {
  const out = process.stdout;
  for await (const c of chunks) {
    if (!out.write(c)) {
      await new Promise<void>((resolve, reject) => {
        const done = (e?: Error) => {
          out.off('drain', done);
          out.off('error', done);
          if (e) reject(e); else resolve();
        };
        out.on('drain', done);
        out.on('error', done);
      });
    }
  }
}

async function count(argv: string[]): Promise<number> {
  const p = parseCommand(argv, {
    order: { type: 'string' }, mode: { type: 'string' }, memory: { type: 'string' },
    'temp-dir': { type: 'string' }, 'skip-symbols': { type: 'boolean' },
  }, COUNT_HELP);
  if (!p) return 0;
  const order = orderOf(p);
  const mode = modeOf(p);
  const memory = str(p, 'memory') !== undefined ? parseSize(str(p, 'memory')!) : undefined;
  const stats = await countCorpusToFile(inputBytes(p.positionals), {
    order, mode, memory, tempDir: str(p, 'temp-dir'),
    unk: p.values['skip-symbols'] ? 'skip' : 'word',
    warn: log,
    write: writeOut,
  });
  if (stats.empty) throw new UserError('empty corpus: there is nothing to count');
  if (stats.runs > 1) log(`ngram count: ${stats.runs} sorted runs merged`);
  return 0;
}

async function readCountFiles(files: string[], order: number | undefined, mode: MarkerMode): Promise<NgramCounts> {
  const r = new CountFileReader(MAX_ORDER);
  const list = files.length ? files : ['-'];
  for (const f of list) {
    const src = f === '-' ? process.stdin : createReadStream(f);
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

async function merge(argv: string[]): Promise<number> {
  const p = parseCommand(argv, { sorted: { type: 'boolean' } }, MERGE_HELP);
  if (!p) return 0;
  const files = p.positionals.length ? p.positionals : ['-'];
  if (p.values.sorted) {
    for (const f of files) {
      if (f !== '-') await fsp.access(f).catch(() => { throw new UserError(`${f}: no such file`); });
    }
    const inputs = files.map((f) => ({ name: f === '-' ? 'stdin' : f, lines: lines(f === '-' ? process.stdin : createReadStream(f)) }));
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

function parseFallback(raw: string | undefined): [number, number, number] | undefined {
  if (raw === undefined) return undefined;
  const v = raw.trim().split(/[\s,]+/).map(Number);
  if (v.length !== 3 || v.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new UsageError(`--discount-fallback: '${raw}' must be three non-negative numbers "D1 D2 D3"`);
  }
  return [v[0], v[1], v[2]];
}

async function build(argv: string[]): Promise<number> {
  const p = parseCommand(argv, {
    order: { type: 'string' }, smoothing: { type: 'string' }, arpa: { type: 'string' },
    delta: { type: 'string' }, alpha: { type: 'string' }, 'katz-k': { type: 'string' }, 'discount-fallback': { type: 'string' },
    mode: { type: 'string' }, counts: { type: 'string', multiple: true }, memory: { type: 'string' }, 'temp-dir': { type: 'string' },
    prune: { type: 'boolean' }, 'skip-symbols': { type: 'boolean' }, quiet: { type: 'boolean' },
  }, BUILD_HELP);
  if (!p) return 0;
  const order = orderOf(p);
  const smoothing = oneOf(p, 'smoothing', SMOOTHINGS, 'mkn') as Smoothing;
  const mode = modeOf(p);
  const memory = str(p, 'memory') !== undefined ? parseSize(str(p, 'memory')!) : undefined;
  const opts: NgramBuildOptions = {
    order, smoothing, mode,
    delta: num(p, 'delta', 1, { min: Number.MIN_VALUE }),
    alpha: num(p, 'alpha', 0.4, { min: Number.MIN_VALUE }),
    katzK: str(p, 'katz-k') === undefined ? undefined : num(p, 'katz-k', 5, { min: 0, max: 50, integer: true }),
    fallback: parseFallback(str(p, 'discount-fallback')),
    unk: p.values['skip-symbols'] ? 'skip' : 'word',
    prune: Boolean(p.values.prune),
    memory,
    tempDir: str(p, 'temp-dir'),
    warn: log,
    log: p.values.quiet ? undefined : (m) => log(`ngram build: ${m}`),
  };
  const countFiles = (p.values.counts as string[] | undefined) ?? [];
  if (countFiles.length && p.positionals.length) throw new UsageError('give either corpus files or --counts, not both');
  const arpa = str(p, 'arpa');
  const run = async (out: string | NodeJS.WritableStream) => {
    try {
      if (countFiles.length) {
        const c = await readCountFiles(countFiles, order, mode);
        await buildArpaFromCounts(c, { ...opts, out: out as string });
      } else {
        await buildArpaFromCorpus(inputBytes(p.positionals), { ...opts, out: out as string });
      }
    } catch (e) {
      if (e instanceof UserError || (e as NodeJS.ErrnoException).code === 'EPIPE') throw e;
      throw new UserError((e as Error).message);
    }
  };
  if (arpa) await atomicWrite(arpa, async (tmp) => run(tmp));
  else await run(process.stdout);
  return 0;
}

async function ppl(argv: string[]): Promise<number> {
  const p = parseCommand(argv, { model: { type: 'string' }, 'per-token': { type: 'boolean' }, mode: { type: 'string' } }, PPL_HELP);
  if (!p) return 0;
  const modelPath = str(p, 'model');
  if (!modelPath) throw new UsageError('--model is required');
  const mode = modeOf(p);
  let model: ArpaModel;
  try {
    await fsp.access(modelPath);
  } catch {
    throw new UserError(`${modelPath}: no such file`);
  }
  try {
    model = await loadArpaModel(modelPath);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const sc = new PplScorer(model, mode);
  const perToken = Boolean(p.values['per-token']);
  async function* out(): AsyncGenerator<string> {
    let buf = '';
    const emit = (scores: { token: string; log10: number; ngramLength: number }[]) => {
      if (!perToken) return;
      for (const s of scores) buf += `${s.token}\t${s.log10 === -Infinity ? '-inf' : formatLog10(s.log10)}\t${s.ngramLength}\n`;
    };
    for await (const line of lines(inputBytes(p!.positionals) as Readable)) {
      const toks = line.split(/[ \t\r\0]+/).filter(Boolean);
      emit(sc.document(toks));
      if (buf.length > 1 << 16) { yield buf; buf = ''; }
    }
    emit(sc.finish());
    if (sc.tokens === 0) throw new UserError('no text to score');
    yield buf + formatSummary(sc.summary());
  }
  await writeOut(out());
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'count': return count(rest);
    case 'merge': return merge(rest);
    case 'build': return build(rest);
    case 'ppl': return ppl(rest);
    case undefined:
      process.stdout.write(HELP);
      return 2;
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return 0;
    default:
      throw new UsageError(`ngram: unknown subcommand '${sub}' (count, merge, build, ppl)`);
  }
}
