/**
 * Count stage (an async-generator stage for `pipeline`).
 *
 * Input: documents as token arrays (string[]), lines of text (string, split
 * on whitespace) or token ids (Int32Array, decoded with `opts.vocab`).
 * Output: nothing until the input ends, then one `CountRecord` per distinct
 * n-gram of orders 1 … N (raw counts; order 1 first, each order in
 * lexicographic id order), yielded one at a time (backpressure honoured).
 */
import type { MarkerMode } from '../types.js';
import type { Vocabulary } from '../vocab/vocabulary.js';
import { CorpusEncoder } from './corpus.js';
import { countsOfCorpus } from './build.js';

export interface CountRecord {
  ngram: string[];
  count: number;
}

export interface CountStageOptions {
  order: number;
  mode?: MarkerMode;
  /** `<unk>` tokens: counted as a word (default) or dropped */
  unk?: 'word' | 'skip';
  /** needed for Int32Array input */
  vocab?: Vocabulary;
  warn?: (msg: string) => void;
}

export function countStage(o: CountStageOptions) {
  return async function* count(source: AsyncIterable<readonly string[] | string | Int32Array>): AsyncGenerator<CountRecord> {
    const enc = new CorpusEncoder(o.order, o.mode ?? 'sentence', 1 << 16, o.warn);
    enc.unkAsWord = (o.unk ?? 'word') === 'word';
    for await (const doc of source) {
      if (typeof doc === 'string') enc.addLine(doc);
      else if (doc instanceof Int32Array) {
        if (!o.vocab) throw new Error('count stage: token ids need opts.vocab');
        enc.addTokens(o.vocab.decode(doc));
      } else enc.addTokens(doc);
    }
    const c = countsOfCorpus(enc.finish());
    const toks = c.vocab.tokens;
    for (const t of c.tables) {
      const k = t.order;
      for (let i = 0; i < t.n; i++) {
        const ngram = new Array<string>(k);
        for (let d = 0; d < k; d++) ngram[d] = toks[t.ids[i * k + d]];
        yield { ngram, count: t.counts[i] };
      }
    }
  };
}
