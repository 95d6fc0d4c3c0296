/**
 * ByteIndex: token bytes (UTF-8) → id, without a JS string per lookup. Pure,
 * no Node imports.
 *
 * Tokens are keyed, as KenLM's vocabulary is, by a 64-bit hash of their
 * bytes (two 32-bit lanes, `hashA`/`hashB`, both updated per byte so that a
 * scanner hashes a token while it looks for its end) and their length, in
 * an open-addressing table (linear probing, load ≤ 1/2, 16-byte slots [a,
 * b, length, id + 1]): a lookup is one probe with the hash at hand and reads
 * no token bytes. Adding a token compares the bytes of any token with the
 * same key, so two tokens of the index never share one (a collision throws);
 * a lookup of a token that is not indexed could only be answered wrongly by a
 * 64-bit collision with an indexed one (KenLM accepts the same).
 *
 * The byte twin of TokenIndex (token-index.ts): the ARPA reader indexes the
 * unigrams with it, byte-level scoring (src/text/kenlm-ids.ts) looks its
 * input's tokens up in it.
 */

export const HASH_A0 = 0x811c9dc5 | 0;
export const HASH_B0 = 0x9747b28c | 0;

/** lane a (FNV-1a) extended by byte c */
export function hashA(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

/** lane b extended by byte c */
export function hashB(h: number, c: number): number {
  return Math.imul(h ^ c, 0x5bd1e995);
}

const slotOf = (a: number, b: number) => (a ^ (a >>> 15) ^ Math.imul(b, 0x27d4eb2f)) >>> 0;

export class ByteIndex {
  /** slot i: [a, b, length, id + 1] at 4i (id + 1 = 0: empty) */
  private slots: Int32Array;
  private mask: number;
  /** id → its bytes pool[start[id] … start[id + 1]) */
  private pool: Uint8Array;
  private starts: Int32Array;
  /** bytes between two tokens in the pool: 0, or 1 (a newline) for an index made by `fromLines` */
  private sep = 0;
  private n = 0;
  /** the key of the last `hash` */
  a = 0;
  b = 0;

  constructor(expected = 16) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap * 4);
    this.mask = cap - 1;
    this.pool = new Uint8Array(Math.max(64, expected * 8));
    this.starts = new Int32Array(expected + 1);
  }

  /**
   * An index of tokens given as their UTF-8 bytes, each ended by a newline
   * (the vocabulary section of a binary model), ids in order; `duplicate`:
   * the line number (from 0) of the first token seen twice, or -1.
   */
  static fromLines(bytes: Uint8Array): { index: ByteIndex; duplicate: number } {
    let count = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) count++;
    const index = new ByteIndex(count);
    // the tokens' bytes stay where they are: the pool is `bytes`, newlines between the tokens
    index.pool = bytes;
    const starts = new Int32Array(count + 1);
    let duplicate = -1;
    let s = 0;
    let id = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 10) continue;
      index.hash(bytes, s, i);
      const len = i - s;
      const found = index.find(index.a, index.b, len);
      if (found >= 0) {
        let j = 0;
        while (j < len && bytes[starts[found] + j] === bytes[s + j]) j++;
        if (j < len) throw new Error(`two tokens with the same 64-bit hash: ${new TextDecoder().decode(bytes.subarray(s, i))} and another`);
        if (duplicate < 0) duplicate = id;
      } else index.put(index.a, index.b, len, id);
      starts[id] = s;
      id++;
      s = i + 1;
    }
    starts[count] = bytes.length;
    index.starts = starts;
    index.n = count;
    index.sep = 1;
    return { index, duplicate };
  }

  /** tokens indexed (ids 0 … size-1) */
  get size(): number {
    return this.n;
  }

  /** the key of b[s…e) into `a`, `b` */
  hash(bytes: Uint8Array, s: number, e: number): void {
    let a = HASH_A0;
    let b = HASH_B0;
    for (let i = s; i < e; i++) { const c = bytes[i]; a = Math.imul(a ^ c, 0x01000193); b = Math.imul(b ^ c, 0x5bd1e995); }
    this.a = a;
    this.b = b;
  }

  /** the id of the token with hash lanes (a, b) and `len` bytes, or -1 */
  find(a: number, b: number, len: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let p = slotOf(a, b) & mask;
    for (;;) {
      const o = 4 * p;
      const v = slots[o + 3];
      if (v === 0) return -1;
      if (slots[o] === a && slots[o + 1] === b && slots[o + 2] === len) return v - 1;
      p = (p + 1) & mask;
    }
  }

  /** the id of b[s…e), or -1 */
  findBytes(bytes: Uint8Array, s: number, e: number): number {
    this.hash(bytes, s, e);
    return this.find(this.a, this.b, e - s);
  }

  /** the id of b[s…e), which is added (as the next id) when new (not to an index made by `fromLines`) */
  add(bytes: Uint8Array, s: number, e: number): number {
    if (this.sep !== 0) throw new Error('ByteIndex.add: this index is read-only');
    this.hash(bytes, s, e);
    const a = this.a;
    const b = this.b;
    const len = e - s;
    const found = this.find(a, b, len);
    if (found >= 0) {
      const st = this.starts[found];
      for (let i = 0; i < len; i++) {
        if (this.pool[st + i] !== bytes[s + i]) throw new Error(`two tokens with the same 64-bit hash: ${new TextDecoder().decode(this.bytes(found))} and ${new TextDecoder().decode(bytes.subarray(s, e))}`);
      }
      return found;
    }
    if ((this.n + 1) * 2 > this.mask + 1) this.grow();
    if (this.n + 2 > this.starts.length) {
      const st = new Int32Array(this.starts.length * 2);
      st.set(this.starts);
      this.starts = st;
    }
    const at = this.starts[this.n];
    if (at + len > this.pool.length) {
      const pool = new Uint8Array(Math.max(this.pool.length * 2, at + len));
      pool.set(this.pool.subarray(0, at));
      this.pool = pool;
    }
    this.pool.set(bytes.subarray(s, e), at);
    this.starts[this.n + 1] = at + len;
    this.put(a, b, len, this.n);
    return this.n++;
  }

  private put(a: number, b: number, len: number, id: number): void {
    const slots = this.slots;
    let p = slotOf(a, b) & this.mask;
    while (slots[4 * p + 3] !== 0) p = (p + 1) & this.mask;
    slots[4 * p] = a;
    slots[4 * p + 1] = b;
    slots[4 * p + 2] = len;
    slots[4 * p + 3] = id + 1;
  }

  /** the bytes of token id (a view into the pool) */
  bytes(id: number): Uint8Array {
    return this.pool.subarray(this.starts[id], this.starts[id + 1] - this.sep);
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.slots.length / 4 - 1;
    for (let o = 0; o < old.length; o += 4) if (old[o + 3] !== 0) this.put(old[o], old[o + 1], old[o + 2], old[o + 3] - 1);
  }
}
