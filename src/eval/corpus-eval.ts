/**
 * Perplexity of a trained checkpoint on a corpus (the body of `lmstream eval`
 * for checkpoint directories).
 *
 *   in:  documents (arrays of raw lines, as `documents()` of the front end
 *        yields them)
 *   out: { perplexity, tokens, oov, nats[, bits_per_char] }
 *
 * The documents go through the checkpoint's own tokenizer and markers
 * (config.json), into an id cache with the checkpoint's fixed vocabulary in
 * `tmpDir`, then through the one evaluator (`validate` of the training loop:
 * exact for the class softmax too). Memory: the id cache is on disk; the
 * evaluator holds one batch.
 */
import { pipeline } from 'node:stream/promises';
import type { NeuralLM } from '../neural/api.js';
import type { LoadedCheckpoint } from '../train/checkpoint.js';
import type { TokenizerName } from '../text/tokenizers.js';
import { BOS, EOS } from '../types.js';
import { charCount, tokenStages, type CorpusSpec } from '../train/front-end.js';
import { idCacheSink } from '../train/id-cache.js';
import { validate } from '../train/run.js';
import { targetCount } from '../train/batches.js';

export interface CorpusEvalResult {
  perplexity: number;
  tokens: number;
  oov: number;
  nats: number;
  /** char-level models only */
  bits_per_char?: number;
}

export interface CorpusEvalOptions {
  /** lanes scored in parallel (mlp: at least 256 windows per batch) */
  batch: number;
  /** where the id cache goes (the caller removes it) */
  tmpDir: string;
  /** called with the number of tokens of each document read (progress) */
  onTokens?: (n: number) => void;
  /** called once the corpus is read, before scoring starts, with the number of tokens to predict (progress) */
  onRead?: (targets: number) => void;
  /** called with the number of tokens scored so far after each batch (progress) */
  onScored?: (tokens: number) => void;
}

/** The checkpoint's corpus spec: how its training corpus was tokenized. */
export function checkpointSpec(ck: LoadedCheckpoint): CorpusSpec {
  const { config } = ck;
  return {
    level: config.level, mode: config.mode, tokenizer: config.tokenizer as TokenizerName, tokenizerOptions: config.tokenizerOptions ?? {},
  };
}

/** Scores `docs` with `model` (loaded from `ck`); `tokens` is 0 for an empty corpus. */
export async function evaluateCorpus(
  model: NeuralLM, ck: LoadedCheckpoint, docs: AsyncIterable<unknown>, o: CorpusEvalOptions,
): Promise<CorpusEvalResult> {
  const { config, vocab } = ck;
  let chars = 0;
  let oov = 0;
  const count = async function* (src: AsyncIterable<string[][]>) {
    for await (const batch of src) {
      for (const d of batch) {
        chars += charCount(d);
        for (const t of d) if (t !== BOS && t !== EOS && !vocab.has(t)) oov++;
        o.onTokens?.(d.length);
      }
      yield batch;
    }
  };
  const { train: data } = await pipeline(
    docs, ...tokenStages(checkpointSpec(ck)), count, idCacheSink({ dir: o.tmpDir, vocab, trainName: 'eval' }),
  );
  o.onRead?.(targetCount(data, config.mode));
  const arch = config.model.arch;
  const r = await validate(model, data, {
    arch, mode: config.mode, batch: arch === 'mlp' ? Math.max(o.batch, 256) : o.batch,
    bptt: config.training.bptt, order: config.model.order, bosId: vocab.bosId,
  }, o.onScored);
  const out: CorpusEvalResult = { perplexity: r.ppl, tokens: r.tokens, oov, nats: r.sumNats };
  if (config.level === 'char') out.bits_per_char = r.sumNats / Math.LN2 / chars;
  return out;
}
