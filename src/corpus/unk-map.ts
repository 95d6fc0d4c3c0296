/**
 * Transform stage: replaces every token outside a vocabulary by `<unk>`.
 * Input (objectMode): Tokens. Output (objectMode): Tokens of the same length.
 */
import { Transform } from 'node:stream';
import { UNK, type Tokens } from '../types.js';

/** Pure: the tokens with those failing `keep` replaced by `<unk>`. */
export function mapUnk(toks: Tokens, keep: (t: string) => boolean): Tokens {
  const out = new Array<string>(toks.length);
  for (let i = 0; i < toks.length; i++) out[i] = keep(toks[i]) ? toks[i] : UNK;
  return out;
}

export function unkMap(vocab: { has(token: string): boolean }): Transform {
  const keep = (t: string) => vocab.has(t);
  return new Transform({
    objectMode: true,
    transform(toks: Tokens, _enc, cb) {
      if (!Array.isArray(toks)) return cb(new TypeError('unk map: expected an array of tokens'));
      cb(null, mapUnk(toks, keep));
    },
  });
}
