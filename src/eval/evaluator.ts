/**
 * evaluator: consumes minibatches and scores them without updating the model
 * (`NeuralLM.evaluate`, exact for the class softmax too); emits one record at
 * the end. The one evaluation path of the project: validation in the training
 * loop, `lmstream eval` and `reproduce` all score through `evaluateBatches`.
 *
 * Input:  `Batch`.
 * Output: one `EvalResult` {kind:'eval', sumNats, tokens, ppl} after the input ends.
 *
 * The model's carried state is reset before the first batch (lanes' resets
 * take care of the rest).
 */
import { pipeline } from 'node:stream/promises';
import type { Batch, NeuralLM } from '../neural/api.js';

export interface EvalResult {
  kind: 'eval';
  sumNats: number;
  tokens: number;
  /** exp(sumNats / tokens) */
  ppl: number;
}

/** `onTokens`: told the tokens scored so far after each batch (progress) */
export function evaluator(model: NeuralLM, onTokens?: (tokens: number) => void): (source: AsyncIterable<Batch>) => AsyncGenerator<EvalResult> {
  return async function* evaluate(source) {
    model.resetState();
    let sumNats = 0;
    let tokens = 0;
    for await (const b of source) {
      const r = await model.evaluate(b);
      sumNats += r.sumNats;
      tokens += r.tokens;
      onTokens?.(tokens);
    }
    yield { kind: 'eval', sumNats, tokens, ppl: tokens > 0 ? Math.exp(sumNats / tokens) : NaN };
  };
}

/** Perplexity of `model` over one pass of `batches` (the evaluator stage, drained). The carried state is reset after. */
export async function evaluateBatches(model: NeuralLM, batches: AsyncIterable<Batch>, onTokens?: (tokens: number) => void): Promise<EvalResult> {
  let res: EvalResult | undefined;
  await pipeline(batches, evaluator(model, onTokens), async (src: AsyncIterable<EvalResult>) => {
    for await (const r of src) res = r;
  });
  model.resetState();
  return res!;
}
