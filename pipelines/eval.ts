/**
 * `lmstream eval --model DIR|FILE.arpa [FILE…]`: perplexity of a trained model
 * on a corpus (stdin by default).
 *
 *   documents → tokenizer → markers (as recorded in the checkpoint's
 *   config.json) → id cache in a temp dir (fixed vocabulary) → window | lanes
 *   → evaluator (NeuralLM.evaluate: exact for the class softmax too) → stdout
 *   (src/eval/corpus-eval.ts).
 *
 * An ARPA file is handed to `lmstream ngram ppl`.
 *
 * --per-token (both kinds) and --json on an n-gram model: documents →
 * load(MODEL).scorer() (src/api/load.ts: the numbers of ngram ppl and of the
 * evaluator above) → one record per token / one summary, the same shape for
 * both kinds.
 */
import { DOCUMENT_OPTIONS, documentOptions } from './corpus-options.js';
import { promises as fsp, type Stats } from 'node:fs';
import { BACKENDS } from '../src/backend-names.js';
import { parseCommand, str, num, oneOf, maybeOneOf, UsageError, UserError, type Parsed } from '../src/cli/common.js';
import { formatDuration, ProgressMeter } from '../src/train/progress.js';
import type { TokenLogprob } from '../src/api/load.js';
import { documents } from '../src/train/front-end.js';
import { readCheckpoint } from '../src/train/checkpoint.js';
import { evaluateCorpus } from '../src/eval/corpus-eval.js';
import { TokenTally } from '../src/eval/token-tally.js';
import { writeAll } from '../src/util/output.js';
import { inputFileSize } from '../src/io/open-input.js';
import { isMixtureFile } from '../src/mix/mixture-file.js';
import { makeTempDir } from '../src/util/temp.js';

export const HELP = `usage: lmstream eval --model MODEL [options] [FILE...]

Perplexity of a model on a corpus read from FILEs or stdin (one document per
line), tokenized as the model's training corpus was. Prints on stdout:
perplexity (over every predicted token, </s> included in sentence mode and
<unk> predictions included), tokens, OOV tokens, total nats and, at char
level, bits per character.

options:
  --model MODEL   a checkpoint directory of train-stream, an ARPA file
                  (then the same as lmstream ngram ppl --model MODEL, with
                  its KenLM-style summary) or a saved mixture (lmstream mix
                  --out MIX.json; the summary as for a checkpoint)
  --mode M        ARPA models only: sentence (default) or stream
  --batch B       lanes scored in parallel. Sentence mode: any B gives the
                  same result (default 32). Stream mode: the text is cut into
                  B segments each starting from a zero state; the default 1
                  scores it as one sequence, as it was trained
  --json          one JSON object instead of lines: {perplexity, tokens, oov,
                  nats[, bits_per_char]} for both kinds of model (an n-gram
                  model's perplexity includes OOVs, as KenLM's first line)
  --per-token     one line per scored token: token, ln P, log10 P, OOV (0/1),
                  tab-separated; with --json one object per token
                  {token, logprob, log10, oov}. The summary goes to stderr
  --format F      text (default), json or jsonl; --field a.b for JSON
  --max-line-length N  longest line in bytes (default 16777216);
  --skip-long-lines    skip longer lines with a warning instead of failing
  --backend NAME  tfjs backend (tensorflow, wasm, cpu)
`;

const OPTIONS = {
  model: { type: 'string' }, batch: { type: 'string' }, json: { type: 'boolean' }, 'per-token': { type: 'boolean' },
  ...DOCUMENT_OPTIONS, backend: { type: 'string' }, mode: { type: 'string' },
} as const;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, OPTIONS, HELP);
  if (!p) return 0;
  const modelPath = str(p, 'model');
  if (!modelPath) throw new UsageError('--model is required (a checkpoint directory or an ARPA file)');
  let st: Stats;
  try {
    st = await fsp.stat(modelPath);
  } catch (e) {
    throw new UserError(`${modelPath}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  // a saved mixture (lmstream mix --out) is scored by load()'s scorer, as --per-token does
  if (p.values['per-token'] || (p.values.json && !st.isDirectory()) || (!st.isDirectory() && await isMixtureFile(modelPath))) {
    return perToken(p, modelPath, st.isDirectory());
  }
  if (!st.isDirectory()) {
    const other = ['batch', 'backend'].find((k) => p.values[k] !== undefined);
    if (other) throw new UsageError(`--${other} applies to checkpoint directories, not to ARPA files`);
    const mode = oneOf(p, 'mode', ['sentence', 'stream'] as const, 'sentence');
    const ppl = await import('./ngram/ppl.js');
    const corpus = Object.keys(DOCUMENT_OPTIONS).flatMap((k) => {
      const v = p.values[k];
      return v === undefined ? [] : v === true ? [`--${k}`] : [`--${k}`, String(v)];
    });
    return (await ppl.main(['--model', modelPath, '--mode', mode, ...corpus, '--', ...p.positionals])) ?? 0;
  }
  if (p.values.mode !== undefined) throw new UsageError('--mode applies to ARPA files (a checkpoint records its mode)');
  const input = documentOptions(p);
  let ck;
  try {
    ck = await readCheckpoint(modelPath);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const { config } = ck;
  const batch = num(p, 'batch', config.mode === 'stream' ? 1 : 32, { min: 1, integer: true });
  const backend = maybeOneOf(p, 'backend', BACKENDS);
  if (p.positionals.length === 0 && process.stdin.isTTY) throw new UsageError('no input: pipe a corpus into lmstream eval (or name FILEs)');

  const { initBackend } = await import('../src/backend.js');
  const { loadModel } = await import('../src/neural/index.js');
  await initBackend(backend);
  const model = await loadModel(ck.dir);
  const tmpDir = await makeTempDir('lmstream-eval');
  try {
    // files: the fraction and the ETA of the reading from the bytes read; then the scoring towards the known total
    const reading = new ProgressMeter({ label: 'eval: reading', unit: 'tokens', bytes: inputFileSize(p.positionals) });
    let scoring: ProgressMeter | undefined;
    let t0 = 0;
    const out = await evaluateCorpus(model, ck, documents(p.positionals, { ...input, onBytes: (n) => reading.addBytes(n) }), {
      batch, tmpDir: tmpDir.path, onTokens: (n) => reading.add(n),
      onRead: (targets) => {
        reading.clear();
        t0 = performance.now();
        scoring = new ProgressMeter({ label: 'eval: scoring', unit: 'tokens', total: targets });
      },
      onScored: (n) => scoring?.update(n),
    });
    scoring?.clear();
    if (out.tokens === 0) throw new UserError('the evaluation corpus is empty (no tokens to predict)');
    process.stderr.write(`eval: scored ${out.tokens} tokens in ${formatDuration((performance.now() - t0) / 1000)} (elapsed ${formatDuration(reading.elapsed())})\n`);
    if (p.values.json) {
      process.stdout.write(JSON.stringify(out) + '\n');
    } else {
      for (const [k, v] of Object.entries(out)) process.stdout.write(`${k}\t${Number.isInteger(v) ? v : v.toFixed(6)}\n`);
    }
    return 0;
  } finally {
    model.dispose();
    await tmpDir.remove();
  }
}

/** --per-token, or --json on an n-gram model: the load() scorer, line by line (holds one document). */
async function perToken(p: Parsed, modelPath: string, isCheckpoint: boolean): Promise<number> {
  if (p.values.batch !== undefined) throw new UsageError('--batch does not apply to --per-token (tokens are scored in order, one at a time)');
  if (isCheckpoint && p.values.mode !== undefined) throw new UsageError('--mode applies to ARPA files (a checkpoint records its mode)');
  if (!isCheckpoint && p.values.backend !== undefined) throw new UsageError('--backend applies to checkpoint directories, not to n-gram models');
  const mode = isCheckpoint ? undefined : oneOf(p, 'mode', ['sentence', 'stream'] as const, 'sentence');
  const input = documentOptions(p);
  if (p.positionals.length === 0 && process.stdin.isTTY) throw new UsageError('no input: pipe a corpus into lmstream eval (or name FILEs)');
  if (isCheckpoint) await (await import('../src/backend.js')).initBackend(maybeOneOf(p, 'backend', BACKENDS));
  const { load } = await import('../src/api/load.js');
  let m;
  try {
    m = await load(modelPath, { mode });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const perTok = p.values['per-token'] === true;
  const json = p.values.json === true;
  const meter = new ProgressMeter({ label: 'eval', unit: 'tokens', bytes: inputFileSize(p.positionals) });
  const tally = new TokenTally(m.level === 'char');
  const emit = (recs: TokenLogprob[]): string => {
    tally.add(recs);
    meter.update(tally.tokens);
    if (!perTok) return '';
    return recs.map((r) => (json ? JSON.stringify(r) : `${r.token}\t${r.logprob.toFixed(6)}\t${r.log10.toFixed(6)}\t${r.oov ? 1 : 0}`) + '\n').join('');
  };
  const lm = m;
  async function* records(): AsyncGenerator<string> {
    const sc = lm.scorer();
    for await (const docs of documents(p.positionals, { ...input, onBytes: (n) => meter.addBytes(n) })) {
      for (const d of docs) {
        const s = emit(sc.push(d));
        if (s) yield s;
      }
    }
    const s = emit(sc.end());
    if (s) yield s;
  }
  try {
    await writeAll(process.stdout, records());
  } finally {
    m.dispose();
  }
  meter.clear();
  if (tally.tokens === 0) throw new UserError('the evaluation corpus is empty (no tokens to predict)');
  const summary = tally.summary();
  const text = json ? JSON.stringify(summary) : Object.entries(summary).map(([k, v]) => `${k}\t${Number.isInteger(v) ? v : v.toFixed(6)}`).join('\n');
  if (perTok) meter.finish(`perplexity ${summary.perplexity.toFixed(4)}`);
  else process.stdout.write(text + '\n');
  return 0;
}
