/**
 * `lmstream generate`: sample text from an n-gram (ARPA) or neural model,
 * streamed to stdout token by token.
 *
 * loadForGeneration(model) → writeSamples: generateStream → detokenizeStage → stdout
 */
import { parseCommand, str, num, oneOf, UsageError, UserError } from '../src/cli/common.js';
import { loadForGeneration } from '../src/generate/load-model.js';
import { writeSamples } from '../src/generate/write-samples.js';
import { checkSamplingOptions } from '../src/generate/sampling.js';
import { randomInt } from 'node:crypto';

export const HELP = `usage: lmstream generate --model MODEL [options]

Sample text from a model and stream it to stdout, token by token, until </s>,
a stop token or --max-tokens. Stops quietly when the reader goes away
(e.g. \`lmstream generate … | head\`).

MODEL is an ARPA file or binary model (n-gram; prompt split on whitespace,
tokens joined by spaces), a neural checkpoint directory (vocab.json,
config.json, weights; prompt tokenized with the tokenizer recorded in
config.json) or a saved mixture of such models (lmstream mix --out MIX.json:
P = Σ λ_k P_k over the union of their vocabularies; prompt split as its first
model splits it).

options:
  --model PATH        ARPA/binary file, checkpoint directory or mixture
                      (required)
  --prompt TEXT       text to continue (default: none, start of a sentence)
  --no-echo           print only the continuation (default: the prompt as
                      typed, then the continuation, on one line)
  --max-tokens N      sampled tokens per sample at most (default 100; 0 = no
                      limit: until </s> or a stop token)
  --temperature T     T < 1 sharper, T > 1 flatter, 0 = greedy (default 1)
  --top-k K           sample only among the K most probable tokens (0 = off)
  --top-p P           nucleus sampling: the smallest set of most probable
                      tokens with total probability >= P (default 1 = off)
  --greedy            always take the most probable token (ties: lower id)
  --seed S            make the output reproducible (default: random)
  --stop TOKEN        end a sample at TOKEN (not printed; repeatable)
  --no-unk            never sample <unk>
  --count N           N samples, one per line (default 1; a char model in
                      stream mode may print line breaks inside a sample:
                      add --stop '\\n' to end each at its first line break)
  --mode MODE         n-gram models (also inside a mixture): sentence (start
                      after <s>, default) or stream (no markers)
  -h, --help          this help

Transforms apply in this order: temperature, top-k, top-p. <s> is never
sampled. For stupid back-off models the scores are renormalised.

examples:
  lmstream generate --model lm.arpa --prompt "the jury" --seed 1
  lmstream generate --model ckpt/ --temperature 0.8 --top-p 0.95 --count 5
`;

const OPTIONS = {
  model: { type: 'string' },
  prompt: { type: 'string' },
  'no-echo': { type: 'boolean' },
  'max-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  greedy: { type: 'boolean' },
  seed: { type: 'string' },
  stop: { type: 'string', multiple: true },
  'no-unk': { type: 'boolean' },
  count: { type: 'string' },
  mode: { type: 'string' },
} as const;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, OPTIONS, HELP);
  if (!p) return 0;
  if (p.positionals.length) throw new UsageError(`unexpected argument '${p.positionals[0]}' (see --help)`);
  const modelPath = str(p, 'model');
  if (!modelPath) throw new UsageError('--model is required (an ARPA file or a checkpoint directory)');
  const maxTokens = num(p, 'max-tokens', 100, { min: 0, integer: true });
  const temperature = num(p, 'temperature', 1, { min: 0 });
  const topK = num(p, 'top-k', 0, { min: 0, integer: true });
  const topP = num(p, 'top-p', 1, { min: 0, max: 1 });
  if (topP === 0) throw new UsageError('--top-p: must be above 0');
  const count = num(p, 'count', 1, { min: 1, integer: true });
  const seed = num(p, 'seed', randomInt(0, 2 ** 32), { integer: true });
  const mode = oneOf(p, 'mode', ['sentence', 'stream'] as const, 'sentence');
  const greedy = p.values.greedy === true;
  const sampling = { temperature, topK, topP, greedy };
  checkSamplingOptions(sampling);

  const model = await loadForGeneration(modelPath, { mode });
  try {
    const vocabHas = (t: string) => model.source.tokens.includes(t);
    const stopIds = ((p.values.stop as string[] | undefined) ?? []).map((t) => {
      if (!vocabHas(t)) throw new UserError(`--stop: '${t}' is not in the model's vocabulary`);
      return model.id(t);
    });
    const promptText = str(p, 'prompt', '');
    const promptTokens = model.tokenize(promptText);
    await writeSamples(model.source, process.stdout, {
      ...sampling,
      maxTokens,
      seed,
      stopIds,
      noUnk: p.values['no-unk'] === true,
      promptText,
      promptTokens,
      promptIds: promptTokens.map((t) => model.id(t)),
      echo: p.values['no-echo'] !== true,
      count,
      level: model.level,
    });
  } finally {
    model.dispose();
  }
  return 0;
}
