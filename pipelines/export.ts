/**
 * `lmstream export --format tfjs-layers CKPT OUT/`: a neural checkpoint as a
 * standard TensorFlow.js Layers model (src/export/export.ts).
 */
import { parseCommand, str, oneOf, UsageError, UserError, log } from '../src/cli/common.js';
import { exportTfjsLayers } from '../src/export/export.js';

export const HELP = `usage: lmstream export --format tfjs-layers CKPT OUT/ [--metrics FILE]

Write a neural checkpoint (mlp, rnn, lstm or gru; full or class softmax) as a
standard TensorFlow.js Layers model that tf.loadLayersModel() loads, plus what
generation needs. OUT/ gets:
  model.json, group1-shard*.bin  the tfjs Layers model: ids in, next-token
                                 probabilities out (GRU and class-softmax
                                 models use custom layers: call
                                 registerLmstreamLayers(tf) from the browser
                                 module first)
  lmstream.json                  vocabulary, tokenizer settings, markers
  metrics.json                   the training curve (from --metrics, else the
                                 checkpoint's validation history)
Serve it in a page with \`lmstream web --model OUT/\`.

options:
  --format tfjs-layers   the output format (required; the only one)
  --metrics FILE         the run's metrics (JSON lines of train-stream --metrics)
  -h, --help             this help

example:
  lmstream export --format tfjs-layers ckpt/ web-model/ --metrics metrics.jsonl
`;

const OPTIONS = {
  format: { type: 'string' },
  metrics: { type: 'string' },
} as const;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, OPTIONS, HELP);
  if (!p) return 0;
  if (str(p, 'format') === undefined) throw new UsageError('--format is required (tfjs-layers)');
  oneOf(p, 'format', ['tfjs-layers'] as const, 'tfjs-layers');
  if (p.positionals.length !== 2) throw new UsageError('expected CKPT and OUT/ (see --help)');
  const [ckpt, out] = p.positionals;
  let r;
  try {
    r = await exportTfjsLayers(ckpt, out, { metricsFile: str(p, 'metrics') });
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const c = r.meta.config;
  log(`exported ${c.arch} (${c.softmax} softmax, V=${c.vocabSize}) to ${out}: ${r.files.join(', ')}`);
  return 0;
}
