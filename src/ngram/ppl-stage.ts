/**
 * Perplexity stage (an async-generator stage for `pipeline`).
 *
 * Input: documents as token arrays (string[]) or lines (string, split by the
 * `kenlm` tokenizer). Output: one `TokenScore` per scored token (`</s>` included),
 * as KenLM's `query` scores them; the running totals are on `scorer`
 * (`scorer.summary()` once the pipeline has finished).
 */
import type { NgramModel } from './api.js';
import type { MarkerMode } from '../types.js';
import { PplScorer, type TokenScore } from './ppl.js';
import { tokenizeKenlm } from '../text/tokenize-kenlm.js';

export function pplStage(model: NgramModel, mode: MarkerMode = 'sentence') {
  const scorer = new PplScorer(model, mode);
  async function* score(source: AsyncIterable<readonly string[] | string>): AsyncGenerator<TokenScore> {
    for await (const doc of source) {
      const toks = typeof doc === 'string' ? tokenizeKenlm(doc) : doc;
      yield* scorer.document(toks);
    }
    yield* scorer.finish();
  }
  return Object.assign(score, { scorer });
}
