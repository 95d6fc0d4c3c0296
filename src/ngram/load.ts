/**
 * Opening and saving n-gram models at the file system's edge: a binary model
 * (recognized by its magic bytes) is read in one piece into typed arrays; an
 * ARPA file is streamed through the byte-level reader. Both give a
 * `HashedModel`; the format code itself (hashed-model.ts, binary.ts) has no
 * Node imports.
 */
import { promises as fsp } from 'node:fs';
import { openInput } from '../io/open-input.js';
import { atomicWrite } from '../util/atomic-write.js';
import { readArpaHashed } from './arpa-read.js';
import { BINARY_HEADER_BYTES, binaryVocabulary, deserializeBinary, isBinaryModel, serializeBinary } from './binary.js';
import { ByteIndex } from '../vocab/byte-index.js';
import { HashedModel, type HashedData } from './hashed-model.js';
import { NgramLM } from './ngram-lm.js';

/** 'binary' or 'arpa' by the file's first bytes; a missing file is reported by name */
export async function ngramFileKind(file: string): Promise<'binary' | 'arpa'> {
  let fh;
  try {
    fh = await fsp.open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not an n-gram model' : (e as Error).message}`);
  }
  try {
    const head = new Uint8Array(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    return isBinaryModel(head.subarray(0, bytesRead)) ? 'binary' : 'arpa';
  } finally {
    await fh.close();
  }
}

/**
 * The data of an n-gram model file, binary or ARPA. Errors name the file.
 * `closure`: for an ARPA file, find out whether it is suffix- and
 * prefix-closed (for a binary file to keep; scoring is the same without).
 */
export async function loadNgramData(file: string, opts: { closure?: boolean } = {}): Promise<HashedData> {
  if ((await ngramFileKind(file)) === 'binary') {
    const bytes = await fsp.readFile(file);
    return deserializeBinary(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
  }
  return readArpaHashed(openInput(file, { highWaterMark: 1 << 20 }), file, opts.closure ?? false);
}

/** An n-gram model file (binary or ARPA) as a scoring model. */
export async function loadNgramModel(file: string): Promise<HashedModel> {
  return new HashedModel(await loadNgramData(file));
}

/**
 * A binary model file opened in two steps: its vocabulary (indexed by
 * bytes) after one small read, and the model itself, read whole in the
 * background (Node's thread pool does the read), so that a caller can
 * tokenize its input meanwhile. Errors name the file.
 */
export async function openBinaryModel(file: string): Promise<{ index: ByteIndex; model: Promise<HashedModel> }> {
  const fh = await fsp.open(file, 'r');
  let index: ByteIndex;
  try {
    const head = new Uint8Array(BINARY_HEADER_BYTES);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const { start, length } = binaryVocabulary(head.subarray(0, bytesRead), (await fh.stat()).size, file);
    const vocab = new Uint8Array(length);
    const got = (await fh.read(vocab, 0, length, start)).bytesRead;
    if (got !== length) throw new Error(`${file}: truncated (the vocabulary ends early)`);
    const made = ByteIndex.fromLines(vocab);
    if (made.duplicate >= 0) throw new Error(`${file}: damaged vocabulary (a token twice)`);
    index = made.index;
  } catch (e) {
    await fh.close();
    throw e;
  }
  const model = (async () => {
    try {
      const bytes = await fh.readFile();
      const m = new HashedModel(deserializeBinary(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file));
      m.useByteIndex(index);
      return m;
    } finally {
      await fh.close();
    }
  })();
  // the caller awaits it when it needs the model; until then a failure must not be "unhandled"
  model.catch(() => {});
  return { index, model };
}

/** Write a model as a binary file, atomically and durably (util/atomic-write.ts). */
export async function writeBinaryModel(file: string, data: HashedData): Promise<void> {
  await atomicWrite(file, async (tmp) => {
    const fh = await fsp.open(tmp, 'w');
    try {
      await fh.writev(serializeBinary(data));
    } finally {
      await fh.close();
    }
  });
}

/**
 * The scoring API on a model file (binary or ARPA):
 * `const lm = await loadNgram('m.lmb'); lm.score('the cat sat')`.
 */
export async function loadNgram(file: string): Promise<NgramLM> {
  return new NgramLM(await loadNgramModel(file));
}
