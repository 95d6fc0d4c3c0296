/**
 * `lmstream eval --model DIR|FILE.arpa [FILE…]`: perplexity of a trained model
 * on a corpus (stdin by default).
 *
 *   documents → tokenizer → markers (as recorded in the checkpoint's
 *   config.json) → id cache in a temp dir (fixed vocabulary) → window | lanes
 *   → evaluator (NeuralLM.evaluate: exact for the class softmax too) → stdout.
 *
 * An ARPA file is handed to `lmstream ngram ppl`.
 */
import { DOCUMENT_OPTIONS, documentOptions } from './corpus-options.js';
import { promises as fsp, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseCommand, str, num, oneOf, UsageError, UserError } from '../src/cli/common.js';
import type { TokenizerName } from '../src/text/tokenizers.js';
import { BOS, EOS } from '../src/types.js';
import { charCount, documents, tokenStages, type CorpusSpec } from '../src/train/corpus.js';
import { idCacheSink } from '../src/train/id-cache.js';
import { readCheckpoint } from '../src/train/checkpoint.js';
import { validate } from '../src/train/run.js';

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
  --json          one JSON object instead of lines
  --format F      text (default), json or jsonl; --field a.b for JSON
  --max-line-length N  longest line in bytes (default 16777216);
  --skip-long-lines    skip longer lines with a warning instead of failing
  --backend NAME  tfjs backend (tensorflow, wasm, cpu)
`;

const OPTIONS = {
  model: { type: 'string' }, batch: { type: 'string' }, json: { type: 'boolean' },
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
  if (!st.isDirectory()) {
    const other = ['batch', 'json', 'backend'].find((k) => p.values[k] !== undefined);
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
  if (p.positionals.length === 0 && process.stdin.isTTY) throw new UsageError('no input: pipe a corpus into lmstream eval (or name FILEs)');

  const { initBackend } = await import('../src/backend.js');
  const { loadModel } = await import('../src/neural/index.js');
  await initBackend(str(p, 'backend'));
  const model = await loadModel(ck.dir);
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-eval-'));
  try {
    let chars = 0;
    let oov = 0;
    const count = async function* (src: AsyncIterable<string[][]>) {
      for await (const docs of src) {
        for (const d of docs) {
          chars += charCount(d);
          for (const t of d) if (t !== BOS && t !== EOS && !vocab.has(t)) oov++;
        }
        yield docs;
      }
    };
    const { train: data } = await pipeline(
      documents(p.positionals, input), ...tokenStages(spec), count, idCacheSink({ dir: tmp, vocab, trainName: 'eval' }),
    );
    const r = await validate(model, data, {
      arch: config.model.arch, mode: config.mode, batch: config.model.arch === 'mlp' ? Math.max(batch, 256) : batch,
      bptt: config.training.bptt, order: config.model.order, bosId: vocab.bosId,
    });
    if (r.tokens === 0) throw new UserError('the evaluation corpus is empty (no tokens to predict)');
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
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}
