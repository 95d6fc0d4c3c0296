/** Tiny neural checkpoints with random weights (biases too) for the export and browser tests. */
import { createModel, defaultConfig } from '../../src/neural/index.js';
import type { NeuralConfig, NeuralLM } from '../../src/neural/api.js';
import type { BaseLM } from '../../src/neural/model-base.js';
import { writeCheckpoint, CONFIG_FORMAT, type CheckpointConfig, type Level } from '../../src/train/checkpoint.js';
import { Vocabulary } from '../../src/vocab/vocabulary.js';
import { Mulberry32 } from '../../src/util/random.js';
import type { MarkerMode } from '../../src/types.js';

export const CHAR_TOKENS = ['\\n', '\\s', 'a', 'b', 'c', 'd', 'e', '.', 'x'];
export const WORD_TOKENS = ['the', 'cat', 'sat', 'on', 'mat', '.', ',', '"', 'dog'];

export interface FixtureOptions extends Partial<NeuralConfig> {
  level?: Level;
  mode?: MarkerMode;
  /** half-width of the uniform random weights (default 0.8) */
  scale?: number;
  /** added to the output bias of `</s>` (e.g. -20: texts that do not end early) */
  eosBias?: number;
}

/** Write a checkpoint to `dir`; returns the model (caller disposes) and its vocabulary. */
export async function makeCheckpoint(dir: string, o: FixtureOptions = {}): Promise<{ model: NeuralLM; vocab: Vocabulary; config: NeuralConfig }> {
  const level = o.level ?? 'char';
  const mode = o.mode ?? (level === 'char' ? 'stream' : 'sentence');
  const vocab = Vocabulary.fromTokens(level === 'char' ? CHAR_TOKENS : WORD_TOKENS);
  const { level: _l, mode: _m, scale: _s, eosBias, ...partial } = o;
  const config = defaultConfig({ embed: 6, hidden: 7, order: 3, classes: 3, seed: 5, ...partial, vocabSize: vocab.size });
  const model = (await createModel(config)) as BaseLM;
  const rng = new Mulberry32(config.seed + 99);
  const scale = o.scale ?? 0.8;
  const w = new Map(model.params.map((p) => [p.name, Float32Array.from(p.data, () => (rng.next() * 2 - 1) * scale)]));
  if (eosBias) w.get('out.b')![vocab.eosId] += eosBias;
  model.setWeights(w);
  const ck: CheckpointConfig = {
    format: CONFIG_FORMAT, version: 1, model: config, level, tokenizer: level === 'char' ? 'char' : 'whitespace', mode,
    training: { epochs: 1, batch: 1, bptt: 4, lrDecay: 1, validFraction: 0, maxTokens: null, checkpointEvery: 0 },
  };
  await writeCheckpoint(dir, {
    model, vocab, config: ck, withCarried: false,
    state: {
      runId: 'test', epoch: 2, batch: 0, step: 10, done: true, lr: config.lr, bestValidPpl: null, validHistory: [{ epoch: 1, ppl: 7.5, lr: config.lr }], rngState: 1,
      data: { trainTokens: 6, trainDocs: 1, trainChecksum: '', validTokens: null, validChecksum: null },
    },
  });
  return { model, vocab, config };
}
