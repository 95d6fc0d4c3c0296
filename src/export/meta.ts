/**
 * `lmstream.json`, written beside model.json by `lmstream export`: everything
 * besides the network that a loader needs to generate text as `lmstream
 * generate` does. Pure types and checks (no Node imports: the browser module
 * reads it too).
 *
 * - `tokens`: the vocabulary, id → token; `<unk>`, `<s>`, `</s>` are ids
 *   `unkId`, `bosId`, `eosId` (0, 1, 2). Char models write a space as the
 *   token `\s` and a line break as `\n` (two characters each: backslash, s/n).
 * - `level` (char | word) decides how tokens are joined back into text;
 *   `tokenizer` + `tokenizerOptions` how a prompt is split (src/text).
 * - `mode`: `sentence` texts start after `<s>` and end at `</s>`; `stream`
 *   texts start after feeding `startIds` (the id of `\n` for char models
 *   whose vocabulary has it, else nothing: the first token is then drawn
 *   uniformly from the ordinary tokens).
 * - mlp models: `contextLength` = n−1 ids, oldest first, padded on the left
 *   with `padId` (`<s>`, 1) before the text has that many tokens.
 * - `metrics`: file name of the training curve (./metrics.ts), or null.
 */
import type { NeuralConfig } from '../neural/api.js';
import type { MarkerMode } from '../types.js';
import type { TokenizerName } from '../text/tokenizers.js';

export const EXPORT_FORMAT = 'lmstream-export';
export const EXPORT_VERSION = 1;

export interface ExportMeta {
  format: typeof EXPORT_FORMAT;
  version: number;
  /** the checkpoint's model config (arch, sizes, softmax …) */
  config: NeuralConfig;
  classBounds: number[] | null;
  level: 'char' | 'word';
  mode: MarkerMode;
  tokenizer: TokenizerName;
  tokenizerOptions: { newline?: boolean; spaces?: boolean };
  tokens: string[];
  unkId: number;
  bosId: number;
  eosId: number;
  /** stream mode: ids fed before the text */
  startIds: number[];
  /** mlp: context length n−1 and the id that pads it */
  contextLength: number | null;
  padId: number | null;
  metrics: string | null;
}

/** Throws a message naming the field when `m` is not an lmstream.json this code reads. */
export function checkMeta(m: unknown, file = 'lmstream.json'): ExportMeta {
  const o = m as ExportMeta;
  if (!o || typeof o !== 'object' || o.format !== EXPORT_FORMAT) throw new Error(`${file}: field "format" must be "${EXPORT_FORMAT}"`);
  if (o.version !== EXPORT_VERSION) throw new Error(`${file}: version ${o.version} (this code reads ${EXPORT_VERSION})`);
  if (!Array.isArray(o.tokens) || o.tokens.length !== o.config?.vocabSize) throw new Error(`${file}: "tokens" must list config.vocabSize tokens`);
  if (o.level !== 'char' && o.level !== 'word') throw new Error(`${file}: field "level" must be "char" or "word"`);
  if (o.mode !== 'sentence' && o.mode !== 'stream') throw new Error(`${file}: field "mode" must be "sentence" or "stream"`);
  if (!['whitespace', 'kenlm', 'word', 'char'].includes(o.tokenizer)) throw new Error(`${file}: unknown tokenizer '${o.tokenizer}'`);
  if (!['mlp', 'rnn', 'lstm', 'gru'].includes(o.config.arch)) throw new Error(`${file}: unknown arch '${o.config.arch}'`);
  return o;
}
