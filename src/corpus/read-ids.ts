/**
 * Sink: a text file of whitespace-separated tokens (one sentence per line,
 * lines being plain separators) read as ONE continuous stream of token ids.
 * Input: bytes of the file (UTF-8, chunk boundaries handled by the decoder).
 * Output: Int32Array of ids (`vocab.id`, so unknown tokens become `<unk>`).
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { tokenizeKenlm } from '../text/tokenize-kenlm.js';

export interface IdMapper {
  id(token: string): number;
}

/** Pure: a growable Int32Array. */
export class IdBuffer {
  private buf = new Int32Array(1 << 16);
  length = 0;
  push(id: number): void {
    if (this.length === this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = id;
  }
  toArray(): Int32Array {
    return this.buf.slice(0, this.length);
  }
}

/** Ids of every token of a readable text stream, in order. */
export async function readIdStream(src: Readable, vocab: IdMapper, maxTokens = Infinity): Promise<Int32Array> {
  src.setEncoding('utf8');
  const out = new IdBuffer();
  let carry = '';
  const add = (text: string) => {
    for (const t of tokenizeKenlm(text)) {
      if (out.length < maxTokens) out.push(vocab.id(t));
    }
  };
  for await (const chunk of src as AsyncIterable<string>) {
    const s = carry + chunk;
    const cut = Math.max(s.lastIndexOf(' '), s.lastIndexOf('\n'), s.lastIndexOf('\t'));
    if (cut < 0) { carry = s; continue; }
    add(s.slice(0, cut));
    carry = s.slice(cut + 1);
    if (out.length >= maxTokens) { src.destroy(); break; }
  }
  add(carry);
  return out.toArray();
}

/** Ids of every token of a file; a missing file is reported by name. */
export async function readIds(file: string, vocab: IdMapper, maxTokens = Infinity): Promise<Int32Array> {
  try {
    return await readIdStream(createReadStream(file), vocab, maxTokens);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}
