/**
 * `lmstream eval --model DIR|FILE.arpa [FILE…]`: perplexity of a trained model
 * on a corpus (stdin by default).
 *
 *   documents → tokenizer → markers (as recorded in the checkpoint's
 *   config.json) → id cache in a temp dir (fixed vocabulary) → window | lanes
 *   → evaluator (NeuralLM.evaluate: exact for the class softmax too) → stdout.
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
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { BACKENDS } from '../src/backend-names.js';
import { parseCommand, str, num, oneOf, maybeOneOf, UsageError, UserError, type Parsed } from '../src/cli/common.js';
import { formatDuration, ProgressMeter } from '../src/train/progress.js';
import type { TokenLogprob } from '../src/api/load.js';
import type { TokenizerName } from '../src/text/tokenizers.js';
import { BOS, EOS } from '../src/types.js';
import { charCount, documents, tokenStages, type CorpusSpec } from '../src/train/front-end.js';
import { idCacheSink } from '../src/train/id-cache.js';
import { readCheckpoint } from '../src/train/checkpoint.js';
import { validate } from '../src/train/run.js';
import { makeTempDir } from '../src/util/temp.js';

export const HELP = `usage: lmstream eval --model MODEL [options] [FILE...]

Perplexity of a model on a corpus read from FILEs or stdin (one document per
line), tokenized as the model's training corpus was. Prints on stdout:
perplexity (over every predicted token, </s> included in sentence mode and
<unk> predictions included), tokens, OOV tokens, total nats and, at char
level, bits per character.

options:
  --model MODEL   a checkpoint directory of train-stream, or an ARPA file
                  (then the same as lmstream ngram ppl --model MODEL, with
                  its KenLM-style summary)
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
  if (p.values['per-token'] || (p.values.json && !st.isDirectory())) return perToken(p, modelPath, st.isDirectory());
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
  const { config, vocab } = ck;
  const spec: CorpusSpec = {
    level: config.level, mode: config.mode, tokenizer: config.tokenizer as TokenizerName, tokenizerOptions: config.tokenizerOptions ?? {},
  };
  const batch = num(p, 'batch', config.mode === 'stream' ? 1 : 32, { min: 1, integer: true });
  const backend = maybeOneOf(p, 'backend', BACKENDS);
  if (p.positionals.length === 0 && process.stdin.isTTY) throw new UsageError('no input: pipe a corpus into lmstream eval (or name FILEs)');

  const { initBackend } = await import('../src/backend.js');
  const { loadModel } = await import('../src/neural/index.js');
  await initBackend(backend);
  const model = await loadModel(ck.dir);
  const tmpDir = await makeTempDir('lmstream-eval');
  const tmp = tmpDir.path;
  try {
    let chars = 0;
    let oov = 0;
    const reading = new ProgressMeter({ label: 'eval: reading', unit: 'tokens' });
    const count = async function* (src: AsyncIterable<string[][]>) {
      for await (const docs of src) {
        for (const d of docs) {
          chars += charCount(d);
          for (const t of d) if (t !== BOS && t !== EOS && !vocab.has(t)) oov++;
          reading.add(d.length);
        }
        yield docs;
      }
    };
    const { train: data } = await pipeline(
      documents(p.positionals, input), ...tokenStages(spec), count, idCacheSink({ dir: tmp, vocab, trainName: 'eval' }),
    );
    reading.clear();
    const t0 = performance.now();
    const r = await validate(model, data, {
      arch: config.model.arch, mode: config.mode, batch: config.model.arch === 'mlp' ? Math.max(batch, 256) : batch,
      bptt: config.training.bptt, order: config.model.order, bosId: vocab.bosId,
    });
    if (r.tokens === 0) throw new UserError('the evaluation corpus is empty (no tokens to predict)');
    process.stderr.write(`eval: scored ${r.tokens} tokens in ${formatDuration((performance.now() - t0) / 1000)} (elapsed ${formatDuration(reading.elapsed())})\n`);
    const out: Record<string, number> = { perplexity: r.ppl, tokens: r.tokens, oov, nats: r.sumNats };
    if (config.level === 'char') out.bits_per_char = r.sumNats / Math.LN2 / chars;
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
  const meter = new ProgressMeter({ label: 'eval', unit: 'tokens' });
  const out = new BufferedWriter(process.stdout);
  let sum = 0;
  let tokens = 0;
  let oov = 0;
  let zero = 0;
  let chars = 0;
  const emit = async (recs: TokenLogprob[]) => {
    if (m.level === 'char') chars += charCount(recs.map((r) => r.token));
    for (const r of recs) {
      tokens++;
      if (r.oov) oov++;
      if (r.logprob === -Infinity) zero++;
      else sum += r.logprob;
      if (perTok) await out.write(json ? JSON.stringify(r) + '\n' : `${r.token}\t${r.logprob.toFixed(6)}\t${r.log10.toFixed(6)}\t${r.oov ? 1 : 0}\n`);
    }
    meter.update(tokens);
  };
  try {
    const sc = m.scorer();
    for await (const docs of documents(p.positionals, input)) {
      for (const d of docs) {
        await emit(sc.push(d));
      }
    }
    await emit(sc.end());
    await out.flush();
  } finally {
    m.dispose();
  }
  meter.clear();
  if (tokens === 0) throw new UserError('the evaluation corpus is empty (no tokens to predict)');
  const summary: Record<string, number> = { perplexity: Math.exp(-sum / (tokens - zero)), tokens, oov, nats: -sum };
  if (zero > 0) summary.zeroprobs = zero;
  if (m.level === 'char') summary.bits_per_char = -sum / Math.LN2 / chars;
  const text = json ? JSON.stringify(summary) : Object.entries(summary).map(([k, v]) => `${k}\t${Number.isInteger(v) ? v : v.toFixed(6)}`).join('\n');
  if (perTok) meter.finish(`perplexity ${summary.perplexity.toFixed(4)}`);
  else process.stdout.write(text + '\n');
  return 0;
}

/** stdout writes that wait for the pipe to drain (backpressure), in chunks of ~64 KiB */
class BufferedWriter {
  private buf = '';
  constructor(private readonly w: NodeJS.WritableStream) {}
  async write(s: string): Promise<void> {
    this.buf += s;
    if (this.buf.length >= 65536) await this.flush();
  }
  async flush(): Promise<void> {
    if (!this.buf) return;
    const ok = this.w.write(this.buf);
    this.buf = '';
    if (!ok) await once(this.w, 'drain');
  }
}
