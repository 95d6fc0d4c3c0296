/**
 * Vocabulary: a bijection between tokens and dense integer ids, with the
 * reserved tokens `<unk>` = 0, `<s>` = 1, `</s>` = 2 first. Pure logic, no
 * streams, no Node imports (the browser module uses it). Saved as JSON with a
 * format version (files: ./vocabulary-file.ts).
 *
 * Order of the other tokens: descending count, ties by code-point order of the
 * token, so the same counts always give the same ids.
 */
import { BOS, EOS, UNK } from '../types.js';
import { TokenIndex } from './token-index.js';

export const VOCAB_FORMAT = 'lmstream-vocab';
export const VOCAB_VERSION = 1;

export interface VocabularyOptions {
  /** keep tokens seen at least this often (default 1) */
  minCount?: number;
  /** keep at most this many entries in all, reserved tokens included */
  maxSize?: number;
}

export interface VocabularyJSON {
  format: typeof VOCAB_FORMAT;
  version: number;
  /** id → token */
  tokens: string[];
  /** id → count in the corpus it was built from (0 for reserved tokens unseen) */
  counts: number[];
}

export const RESERVED: readonly string[] = [UNK, BOS, EOS];

export class Vocabulary {
  readonly unkId = 0;
  readonly bosId = 1;
  readonly eosId = 2;
  private readonly index: TokenIndex;

  private constructor(readonly tokens: readonly string[], readonly counts: readonly number[]) {
    this.index = new TokenIndex(tokens); // throws on a duplicated token
    RESERVED.forEach((r, i) => {
      if (tokens[i] !== r) throw new Error(`vocabulary entry ${i} must be ${r}, found ${JSON.stringify(tokens[i])}`);
    });
  }

  /** Build from token counts. Counts of reserved tokens are kept on their entries. */
  static fromCounts(counts: Map<string, number>, opts: VocabularyOptions = {}): Vocabulary {
    const minCount = opts.minCount ?? 1;
    const maxSize = opts.maxSize ?? Infinity;
    if (maxSize < RESERVED.length) throw new Error(`maxSize must be at least ${RESERVED.length}`);
    const rest = [...counts.entries()]
      .filter(([t, c]) => c >= minCount && !RESERVED.includes(t))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, Math.max(0, maxSize - RESERVED.length));
    const tokens = [...RESERVED, ...rest.map(([t]) => t)];
    const cs = [...RESERVED.map((r) => counts.get(r) ?? 0), ...rest.map(([, c]) => c)];
    return new Vocabulary(tokens, cs);
  }

  /** Build from a token list in id order (reserved tokens are prepended if missing). */
  static fromTokens(list: Iterable<string>): Vocabulary {
    const tokens = [...RESERVED];
    const seen = new Set(tokens);
    for (const t of list) if (!seen.has(t)) { seen.add(t); tokens.push(t); }
    return new Vocabulary(tokens, tokens.map(() => 0));
  }

  get size(): number {
    return this.tokens.length;
  }

  has(token: string): boolean {
    return this.index.get(token) >= 0;
  }

  /** The id of a token, `<unk>`'s id when it is not in the vocabulary. */
  id(token: string): number {
    const id = this.index.get(token);
    return id >= 0 ? id : this.unkId;
  }

  /** The token of an id; throws on an id outside the vocabulary. */
  token(id: number): string {
    const t = this.tokens[id];
    if (t === undefined) throw new RangeError(`token id ${id} is outside the vocabulary (size ${this.size})`);
    return t;
  }

  encode(tokens: readonly string[], out = new Int32Array(tokens.length)): Int32Array {
    for (let i = 0; i < tokens.length; i++) out[i] = this.id(tokens[i]);
    return out;
  }

  decode(ids: ArrayLike<number>): string[] {
    const out = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.token(ids[i]);
    return out;
  }

  toJSON(): VocabularyJSON {
    return { format: VOCAB_FORMAT, version: VOCAB_VERSION, tokens: [...this.tokens], counts: [...this.counts] };
  }

  static fromJSON(obj: unknown, source = 'vocabulary'): Vocabulary {
    const o = obj as Partial<VocabularyJSON> | null;
    if (!o || typeof o !== 'object' || o.format !== VOCAB_FORMAT) {
      throw new Error(`${source}: not an lmstream vocabulary (field "format" must be "${VOCAB_FORMAT}")`);
    }
    if (o.version !== VOCAB_VERSION) {
      throw new Error(`${source}: vocabulary format version ${o.version} is not supported (expected ${VOCAB_VERSION})`);
    }
    if (!Array.isArray(o.tokens) || !o.tokens.every((t) => typeof t === 'string')) {
      throw new Error(`${source}: field "tokens" must be an array of strings`);
    }
    const counts = Array.isArray(o.counts) ? o.counts : o.tokens.map(() => 0);
    if (counts.length !== o.tokens.length || !counts.every((c) => Number.isInteger(c) && c >= 0)) {
      throw new Error(`${source}: field "counts" must hold one non-negative integer per token`);
    }
    return new Vocabulary(o.tokens, counts);
  }
}

