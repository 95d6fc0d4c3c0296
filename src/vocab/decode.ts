/**
 * Decode stage: `Ids` (Int32Array, or any array of ids) → `Tokens`
 * (string[]); with `{ batch: true }`, `RecordBatch<Ids>` → `RecordBatch<Tokens>`.
 * An id outside the vocabulary fails the stream with a RangeError naming it.
 */
import type { Transform } from 'node:stream';
import type { Vocabulary } from './vocabulary.js';
import { recordStage, type BatchOption } from '../io/record-stage.js';

/** Pure: the tokens of a run of ids. */
export function decodeIds(vocab: Vocabulary, ids: ArrayLike<number>): string[] {
  return vocab.decode(ids);
}

export function decode(vocab: Vocabulary, opts: BatchOption = {}): Transform {
  return recordStage<ArrayLike<number>, string[]>((ids) => vocab.decode(ids), opts);
}
