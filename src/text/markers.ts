/**
 * Markers stage: `Tokens` (string[]) → `Tokens`; with `{ batch: true }`,
 * `RecordBatch<Tokens>` → `RecordBatch<Tokens>`.
 *
 * - `sentence` mode: each document becomes `<s> … </s>` (KenLM/SRILM
 *   convention; an empty document becomes `<s> </s>`).
 * - `stream` mode: tokens pass unchanged (no markers; context flows from one
 *   document into the next).
 * Input arrays are not modified: sentence mode returns new arrays.
 */
import type { Transform } from 'node:stream';
import { BOS, EOS, type MarkerMode } from '../types.js';
import { recordStage, type BatchOption } from '../io/record-stage.js';

/** Pure: the tokens of one document with the markers of `mode`. */
export function addMarkers(tokens: readonly string[], mode: MarkerMode): string[] {
  if (mode === 'stream') return tokens as string[];
  const out = new Array<string>(tokens.length + 2);
  out[0] = BOS;
  for (let i = 0; i < tokens.length; i++) out[i + 1] = tokens[i];
  out[tokens.length + 1] = EOS;
  return out;
}

export function markers(mode: MarkerMode, opts: BatchOption = {}): Transform {
  if (mode !== 'sentence' && mode !== 'stream') throw new Error(`unknown marker mode '${mode as string}' (sentence or stream)`);
  return recordStage<string[], string[]>((t) => addMarkers(t, mode), opts);
}
