/**
 * ByteIndex: token bytes (UTF-8) → id, without a JS string per lookup. An
 * open-addressing hash table (FNV-1a over the bytes, linear probing, load ≤
 * 1/2) whose tokens' bytes live in one pool. Pure, no Node imports.
 *
 * The byte twin of TokenIndex (token-index.ts): the ARPA reader indexes the
 * unigrams with it, and byte-level scoring (src/text/kenlm-ids.ts) looks the
 * tokens of its input up in it, hashing each token's bytes as it scans them
 * (`FNV_OFFSET`, `fnvStep`), so a lookup is one probe with the hash at hand.
 */

export const FNV_OFFSET = 0x811c9dc5 | 0;

/** the FNV-1a hash of the bytes so far, extended by byte c */
export function fnvStep(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

/** the FNV-1a hash of b[s…e) */
export function fnvBytes(b: Uint8Array, s: number, e: number): number {
  let h = FNV_OFFSET;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h;
}

const mix = (h: number) => h ^ (h >>> 15);

export class ByteIndex {
  /** slot → id + 1 (0: empty) */
  private slots: Int32Array;
  private mask: number;
  /** id → its bytes pool[start[id] … start[id + 1]) */
  private pool: Uint8Array;
  private starts: Int32Array;
  private n = 0;

  constructor(expected = 16) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap);
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
    let s = 0;
    let line = 0;
    let duplicate = -1;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 10) continue;
      const before = index.size;
      index.add(bytes, s, i);
      if (index.size === before && duplicate < 0) duplicate = line;
      line++;
      s = i + 1;
    }
    return { index, duplicate };
  }

  /** tokens indexed (ids 0 … size-1) */
  get size(): number {
    return this.n;
  }

  /** the id of b[s…e) (h: its `fnvBytes` hash), or -1 */
  find(b: Uint8Array, s: number, e: number, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const pool = this.pool;
    const starts = this.starts;
    const len = e - s;
    let p = mix(h) & mask;
    for (;;) {
      const v = slots[p];
      if (v === 0) return -1;
      const ts = starts[v - 1];
      if (starts[v] - ts === len) {
        let i = 0;
        while (i < len && pool[ts + i] === b[s + i]) i++;
        if (i === len) return v - 1;
      }
      p = (p + 1) & mask;
    }
  }

  /** the id of b[s…e), which is added (as the next id) when new */
  add(b: Uint8Array, s: number, e: number): number {
    const h = fnvBytes(b, s, e);
    const found = this.find(b, s, e, h);
    if (found >= 0) return found;
    const len = e - s;
    if ((this.n + 1) * 2 > this.slots.length) this.grow();
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
    this.pool.set(b.subarray(s, e), at);
    this.starts[this.n + 1] = at + len;
    let p = mix(h) & this.mask;
    while (this.slots[p] !== 0) p = (p + 1) & this.mask;
    this.slots[p] = ++this.n;
    return this.n - 1;
  }

  /** the bytes of token id (a view into the pool) */
  bytes(id: number): Uint8Array {
    return this.pool.subarray(this.starts[id], this.starts[id + 1]);
  }

  private grow(): void {
    const cap = this.slots.length * 2;
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    for (let id = 0; id < this.n; id++) {
      let p = mix(fnvBytes(this.pool, this.starts[id], this.starts[id + 1])) & mask;
      while (slots[p] !== 0) p = (p + 1) & mask;
      slots[p] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
