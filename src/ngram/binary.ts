/**
 * The binary n-gram model format (`.lmb`): a `HashedModel`'s arrays as they
 * are in memory, so loading is one read and typed-array views (no parsing,
 * no per-entry objects). Pure logic on bytes (no Node imports): the file is
 * read and written at the edges (src/ngram/load.ts, the CLI).
 *
 * Layout (little-endian; every section starts at a multiple of 8):
 *   0   8 bytes  magic 89 4C 4D 42 0D 0A 1A 0A ("\x89LMB\r\n\x1a\n": a
 *                text-mode copy or a truncated first line is detected)
 *   8   u32[42]  header: version, byte-order mark 0x01020304, order N,
 *                flags (1 = suffix-closed, 2 = prefix-closed), seedLo, seedHi, vocabulary size
 *                V, vocabulary bytes, exceptions, total file size (low, high
 *                32 bits), then per order k = 1 … 10: n-gram count, home
 *                positions, slots (V, V, V for the unigrams)
 *   176          vocabulary: the tokens in id order, UTF-8, each ended by \n
 *                unigrams: i32[V] log10 p codes, i32[V] back-off codes
 *                per order k = 2 … N: i32[slots·S] the probing table
 *                f64[exceptions]
 *
 * Version 1 (a bucket directory per order) is not read: rebuild such files
 * with `lmstream ngram binary`.
 */
import { type HashedData, type OrderTable } from './hashed-model.js';

export const BINARY_MAGIC = Uint8Array.of(0x89, 0x4c, 0x4d, 0x42, 0x0d, 0x0a, 0x1a, 0x0a);
export const BINARY_VERSION = 2;
const HEADER_WORDS = 42;
const HEADER_BYTES = 8 + HEADER_WORDS * 4;
const MAX_ORDER = 10;

/** true when the bytes start with the binary model's magic */
export function isBinaryModel(head: Uint8Array): boolean {
  if (head.length < BINARY_MAGIC.length) return false;
  for (let i = 0; i < BINARY_MAGIC.length; i++) if (head[i] !== BINARY_MAGIC[i]) return false;
  return true;
}

const align8 = (x: number) => (x + 7) & ~7;

interface Plan {
  vocab: Uint8Array;
  size: number;
  offsets: { vocab: number; uniP: number; uniBo: number; ent: number[]; exc: number };
}

function plan(d: HashedData): Plan {
  const vocab = new TextEncoder().encode(d.tokens.map((t) => t + '\n').join(''));
  const V = d.tokens.length;
  let off = HEADER_BYTES;
  const o = { vocab: off, uniP: 0, uniBo: 0, ent: [] as number[], exc: 0 };
  off = align8(off + vocab.length);
  o.uniP = off;
  off = align8(off + 4 * V);
  o.uniBo = off;
  off = align8(off + 4 * V);
  for (let k = 2; k <= d.order; k++) {
    const t = d.tables[k]!;
    o.ent[k] = off;
    off = align8(off + 4 * t.ent.length);
  }
  o.exc = off;
  off += 8 * d.exceptions.length;
  return { vocab, size: off, offsets: o };
}

/**
 * The file's bytes as a list of pieces to write in order (the big arrays are
 * views of the model's own memory, not copies).
 */
export function serializeBinary(d: HashedData): Uint8Array[] {
  if (d.order > MAX_ORDER) throw new Error(`order ${d.order} is above the maximum ${MAX_ORDER}`);
  const p = plan(d);
  const head = new Uint8Array(HEADER_BYTES);
  head.set(BINARY_MAGIC);
  const h = new Uint32Array(head.buffer, 8, HEADER_WORDS);
  h[0] = BINARY_VERSION;
  h[1] = 0x01020304;
  h[2] = d.order;
  h[3] = (d.closed ? 1 : 0) | (d.prefixClosed ? 2 : 0);
  h[4] = d.seedLo >>> 0;
  h[5] = d.seedHi >>> 0;
  h[6] = d.tokens.length;
  h[7] = p.vocab.length;
  h[8] = d.exceptions.length;
  h[9] = p.size % 2 ** 32;
  h[10] = Math.floor(p.size / 2 ** 32);
  h[11] = d.tokens.length;
  h[12] = d.tokens.length;
  h[13] = d.tokens.length;
  for (let k = 2; k <= d.order; k++) {
    const t = d.tables[k]!;
    h[8 + 3 * k] = t.n;
    h[9 + 3 * k] = t.homes;
    h[10 + 3 * k] = t.slots;
  }
  const pieces: Uint8Array[] = [head, p.vocab];
  let at = HEADER_BYTES + p.vocab.length;
  const pad = (to: number) => {
    if (to > at) pieces.push(new Uint8Array(to - at));
    at = to;
  };
  const put = (to: number, a: ArrayBufferView) => {
    pad(to);
    pieces.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    at += a.byteLength;
  };
  put(p.offsets.uniP, d.uniP);
  put(p.offsets.uniBo, d.uniBo);
  for (let k = 2; k <= d.order; k++) {
    put(p.offsets.ent[k], d.tables[k]!.ent);
  }
  put(p.offsets.exc, d.exceptions);
  pad(p.size);
  return pieces;
}

/** The header words of a binary file's first bytes, checked (magic, byte order, version, order). */
function checkHeader(bytes: Uint8Array, name: string): Uint32Array {
  if (!isBinaryModel(bytes)) throw new Error(`${name}: not an lmstream binary model (no magic number)`);
  if (bytes.length < HEADER_BYTES) throw new Error(`${name}: truncated (${bytes.length} bytes, the header alone is ${HEADER_BYTES})`);
  const h = new Uint32Array(bytes.slice(8, HEADER_BYTES).buffer);
  if (h[1] !== 0x01020304) throw new Error(`${name}: written on a machine of another byte order`);
  if (h[0] !== BINARY_VERSION) throw new Error(`${name}: binary model version ${h[0]} is not supported (this lmstream reads version ${BINARY_VERSION}; rebuild it with lmstream ngram binary)`);
  const V = h[6];
  if (!(h[2] >= 1 && h[2] <= MAX_ORDER) || h[11] !== V || h[12] !== V || h[13] !== V) throw new Error(`${name}: damaged header`);
  return h;
}

/** bytes of a binary file's header */
export const BINARY_HEADER_BYTES = HEADER_BYTES;

/**
 * Where a binary file's vocabulary section is, from the file's first
 * BINARY_HEADER_BYTES bytes (checked) and its size in bytes (checked
 * against the header's).
 */
export function binaryVocabulary(head: Uint8Array, fileBytes: number, name = 'binary model'): { start: number; length: number } {
  const h = checkHeader(head, name);
  checkSize(fileBytes, h[9] + h[10] * 2 ** 32, name);
  return { start: HEADER_BYTES, length: h[7] };
}

function checkSize(actual: number, size: number, name: string): void {
  if (actual < size) throw new Error(`${name}: truncated (${actual} bytes of ${size})`);
  if (actual > size) throw new Error(`${name}: ${actual - size} bytes of trailing garbage after the model`);
}

/**
 * The model in a binary file's bytes (views into `bytes`, which must not
 * change afterwards). Errors name `name` and the problem: not a model,
 * another version, another byte order, truncated or damaged.
 */
export function deserializeBinary(bytes: Uint8Array, name = 'binary model'): HashedData {
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  const buf = bytes.buffer;
  const base = bytes.byteOffset;
  const h = checkHeader(bytes, name);
  const order = h[2];
  const V = h[6];
  const size = h[9] + h[10] * 2 ** 32;
  checkSize(bytes.length, size, name);
  const vocabBytes = h[7];
  const vocab = bytes.subarray(HEADER_BYTES, HEADER_BYTES + vocabBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(vocab);
  } catch {
    throw new Error(`${name}: damaged vocabulary (not UTF-8)`);
  }
  let lines = 0;
  for (let i = 0; i < vocab.length; i++) if (vocab[i] === 10) lines++;
  if (lines !== V || (vocab.length > 0 && vocab[vocab.length - 1] !== 10)) throw new Error(`${name}: damaged vocabulary (expected ${V} tokens)`);
  // the token strings are made on first use (byte-level scoring needs only the bytes)
  let tokens: string[] | undefined;
  let off = align8(HEADER_BYTES + vocabBytes);
  const take = <T>(make: (o: number, n: number) => T, n: number, width: number): T => {
    if (off + n * width > size) throw new Error(`${name}: damaged header (sections overrun the file)`);
    const a = make(base + off, n);
    off = align8(off + n * width);
    return a;
  };
  const i32 = (o: number, n: number) => new Int32Array(buf, o, n);
  const uniP = take(i32, V, 4);
  const uniBo = take(i32, V, 4);
  const tables: (OrderTable | undefined)[] = [];
  for (let k = 2; k <= order; k++) {
    const n = h[8 + 3 * k];
    const homes = h[9 + 3 * k];
    const slots = h[10 + 3 * k];
    if (!(homes >= 1 && homes >= n && slots > homes && slots <= homes + n + 1)) throw new Error(`${name}: damaged header (order ${k})`);
    const ent = take(i32, slots * (k === order ? 3 : 4), 4);
    tables[k] = { n, homes, slots, ent };
  }
  const exceptions = take((o, n) => new Float64Array(buf, o, n), h[8], 8);
  if (off !== align8(size)) throw new Error(`${name}: damaged header (sections do not fill the file)`);
  return {
    get tokens() { return (tokens ??= text.split('\n').slice(0, V)); },
    order, uniP, uniBo, tables, exceptions, closed: (h[3] & 1) === 1, prefixClosed: (h[3] & 2) === 2, seedLo: h[4] | 0, seedHi: h[5] | 0, vocabBytes: bytes.subarray(HEADER_BYTES, HEADER_BYTES + vocabBytes) };
}
