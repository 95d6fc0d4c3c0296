/**
 * evaluator: consumes minibatches and scores them without updating the model
 * (`NeuralLM.evaluate`, exact for the class softmax too); emits one record at
 * the end.
 *
 * Input:  `Batch`.
 * Output: one `EvalResult` {kind:'eval', sumNats, tokens, ppl} after the input ends.
 *
 * The model's carried state is reset before the first batch (lanes' resets
 * take care of the rest).
 */
import type { Batch, NeuralLM } from '../neural/api.js';

export interface EvalResult {
  kind: 'eval';
  sumNats: number;
  tokens: number;
  /** exp(sumNats / tokens) */
  ppl: number;
}

export function evaluator(model: NeuralLM): (source: AsyncIterable<Batch>) => AsyncGenerator<EvalResult> {
  return async function* evaluate(source) {
    model.resetState();
    let sumNats = 0;
    let tokens = 0;
    for await (const b of source) {
      const r = await model.evaluate(b);
      sumNats += r.sumNats;
      tokens += r.tokens;
    }
    yield { kind: 'eval', sumNats, tokens, ppl: tokens > 0 ? Math.exp(sumNats / tokens) : NaN };
  };
}
