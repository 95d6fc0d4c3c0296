/**
 * id-cache: the encoded corpus on disk, so that epochs after the first replay
 * it from disk and memory stays bounded whatever the corpus size.
 *
 * Sink input: `Tokens` (string[]) per document, or `RecordBatch<Tokens>`
 * (string[][]) per chunk, as the front end (reader → tokenizer → markers)
 * emits them. Output (the sink's resolved value): `IdCacheResult`
 * {vocab, train: IdCache, valid?: IdCache}.
 *
 * First pass (no vocabulary given, word or char level alike): every token is
 * interned to a provisional id (the type table is needed for the vocabulary
 * anyway) and the provisional ids are written to DIR/NAME.tmp; counts come
 * from the training documents only. Then the vocabulary is built from the
 * counts (`Vocabulary.fromCounts`) and a second, sequential pass maps the
 * provisional ids to vocabulary ids. With a fixed vocabulary (resume, eval,
 * `--valid FILE`) documents are encoded directly.
 *
 * Files of one split NAME (train, valid, eval): NAME.ids (int32 little-endian
 * token ids, documents one after another), NAME.docs (int32 length of each
 * document), NAME.json {format, version, tokens, docs, checksum}. The
 * checksum (FNV-1a over ids and lengths) lets a resumed run check that it
 * sees the same data.
 *
 * Held-out documents (`validFraction`): document i goes to validation when
 * hashUniform(seed, i) < fraction: deterministic for a seed, independent of
 * chunking. `maxTokens` keeps only the first N training tokens (the last
 * document is cut) and stops reading the input there.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Vocabulary, type VocabularyOptions } from '../vocab/vocabulary.js';
import { hashUniform } from '../util/random.js';
import { IntReader, IntWriter, fileSource } from './int-file.js';
import type { IdSource } from './lanes.js';

export const IDCACHE_FORMAT = 'lmstream-idcache';

interface Meta {
  format: string;
  version: number;
  tokens: number;
  docs: number;
  checksum: string;
}

class Fnv {
  h = 0x811c9dc5;
  add(v: number): void {
    this.h = Math.imul(this.h ^ (v & 0xff), 0x01000193);
    this.h = Math.imul(this.h ^ ((v >>> 8) & 0xff), 0x01000193);
    this.h = Math.imul(this.h ^ ((v >>> 16) & 0xff), 0x01000193);
    this.h = Math.imul(this.h ^ (v >>> 24), 0x01000193);
  }
  hex(): string {
    return (this.h >>> 0).toString(16).padStart(8, '0');
  }
}

/** The checksum an id cache records for `docs` (a resumed run compares it). */
export function idsChecksum(docs: Iterable<ArrayLike<number>>): string {
  const fnv = new Fnv();
  for (const ids of docs) {
    for (let i = 0; i < ids.length; i++) fnv.add(ids[i]);
    fnv.add(ids.length);
    fnv.add(0x5eed);
  }
  return fnv.hex();
}

/** One split of the corpus on disk. */
export class IdCache {
  constructor(
    readonly dir: string,
    readonly name: string,
    /** number of token ids */
    readonly tokens: number,
    readonly docs: number,
    readonly checksum: string,
  ) {}

  get idsPath(): string { return path.join(this.dir, `${this.name}.ids`); }
  get docsPath(): string { return path.join(this.dir, `${this.name}.docs`); }

  static async open(dir: string, name: string): Promise<IdCache> {
    const file = path.join(dir, `${name}.json`);
    const m = JSON.parse(await fsp.readFile(file, 'utf8')) as Meta;
    if (m.format !== IDCACHE_FORMAT || m.version !== 1) throw new Error(`${file}: not an lmstream id cache`);
    const st = await fsp.stat(path.join(dir, `${name}.ids`));
    if (st.size !== m.tokens * 4) throw new Error(`${file}: ids file has ${st.size / 4} ids, expected ${m.tokens} (truncated cache?)`);
    return new IdCache(dir, name, m.tokens, m.docs, m.checksum);
  }

  /** One Int32Array per document, read sequentially from disk. */
  documentIds(): AsyncGenerator<Int32Array> {
    return readDocs(this.idsPath, this.docsPath);
  }

  /** The documents as a Readable (objectMode, Int32Array per document). */
  documents(): Readable {
    return Readable.from(this.documentIds(), { objectMode: true, highWaterMark: 16 });
  }

  /** The ids as one stream of blocks (stream mode: document boundaries dropped). */
  async *blockIds(): AsyncGenerator<Int32Array> {
    const ids = await IntReader.open(this.idsPath);
    try {
      for (;;) {
        const b = await ids.block();
        if (b.length === 0) break;
        yield b;
      }
    } finally {
      await ids.close();
    }
  }

  /** Random access (stream-mode lanes). Close it when done. */
  source(): Promise<IdSource & { close(): Promise<void> }> {
    return fileSource(this.idsPath);
  }
}

/** Writes one split: final ids, document lengths, metadata. */
class SplitWriter {
  private fnv = new Fnv();
  docs = 0;
  private constructor(readonly dir: string, readonly name: string, private ids: IntWriter, private lens: IntWriter) {}
  static async create(dir: string, name: string, ext = 'ids'): Promise<SplitWriter> {
    return new SplitWriter(dir, name,
      await IntWriter.create(path.join(dir, `${name}.${ext}`)),
      await IntWriter.create(path.join(dir, `${name}.docs`)));
  }
  get tokens(): number { return this.ids.count; }
  async doc(ids: ArrayLike<number>): Promise<void> {
    for (let i = 0; i < ids.length; i++) this.fnv.add(ids[i]);
    this.fnv.add(ids.length);
    this.fnv.add(0x5eed);
    await this.ids.pushAll(ids);
    await this.lens.push(ids.length);
    this.docs++;
  }
  async close(): Promise<void> {
    await this.ids.close();
    await this.lens.close();
  }
  async finish(): Promise<IdCache> {
    await this.close();
    const meta: Meta = { format: IDCACHE_FORMAT, version: 1, tokens: this.tokens, docs: this.docs, checksum: this.fnv.hex() };
    await fsp.writeFile(path.join(this.dir, `${this.name}.json`), JSON.stringify(meta) + '\n');
    return new IdCache(this.dir, this.name, meta.tokens, meta.docs, meta.checksum);
  }
}

export interface IdCacheOptions {
  /** cache directory (created) */
  dir: string;
  /** fixed vocabulary: encode directly, no counting */
  vocab?: Vocabulary;
  vocabOptions?: VocabularyOptions;
  /** hold out this fraction of the documents for validation (0 = none) */
  validFraction?: number;
  seed?: number;
  /** keep only the first N training tokens */
  maxTokens?: number;
  /** split names; default 'train' and 'valid' */
  trainName?: string;
  validName?: string;
}

export interface IdCacheResult {
  vocab: Vocabulary;
  train: IdCache;
  valid?: IdCache;
}

function* docsOf(chunk: unknown): Generator<string[]> {
  if (!Array.isArray(chunk)) throw new TypeError('id cache: expected token arrays (string[]) or batches of them');
  if (chunk.length > 0 && Array.isArray(chunk[0])) {
    for (const d of chunk as unknown[]) yield* docsOf(d);
  } else {
    yield chunk as string[];
  }
}

/** The id-cache sink: an async function to end a `stream.pipeline`. */
export function idCacheSink(opts: IdCacheOptions): (source: AsyncIterable<unknown>) => Promise<IdCacheResult> {
  const frac = opts.validFraction ?? 0;
  const seed = opts.seed ?? 1;
  const maxTokens = opts.maxTokens ?? Infinity;
  const trainName = opts.trainName ?? 'train';
  const validName = opts.validName ?? 'valid';
  if (!(frac >= 0 && frac < 1)) throw new RangeError(`valid fraction must be in [0, 1), got ${frac}`);

  return async function idCache(source) {
    await fsp.mkdir(opts.dir, { recursive: true });
    const fixed = opts.vocab;
    const ext = fixed ? 'ids' : 'tmp';
    const train = await SplitWriter.create(opts.dir, trainName, ext);
    const valid = frac > 0 ? await SplitWriter.create(opts.dir, validName, ext) : undefined;
    const intern = new Map<string, number>();
    const types: string[] = [];
    const counts: number[] = [];
    let docIndex = 0;
    const encode = (toks: string[], count: boolean): Int32Array => {
      const out = new Int32Array(toks.length);
      for (let i = 0; i < toks.length; i++) {
        if (fixed) { out[i] = fixed.id(toks[i]); continue; }
        let id = intern.get(toks[i]);
        if (id === undefined) {
          id = types.length;
          intern.set(toks[i], id);
          types.push(toks[i]);
          counts.push(0);
        }
        if (count) counts[id]++;
        out[i] = id;
      }
      return out;
    };
    try {
      outer: for await (const chunk of source) {
        for (let toks of docsOf(chunk)) {
          const isValid = valid !== undefined && hashUniform(seed, docIndex) < frac;
          docIndex++;
          if (isValid) { await valid!.doc(encode(toks, false)); continue; }
          const room = maxTokens - train.tokens;
          if (toks.length > room) toks = toks.slice(0, room);
          await train.doc(encode(toks, true));
          if (train.tokens >= maxTokens) break outer;
        }
      }
    } catch (e) {
      await train.close().catch(() => undefined);
      await valid?.close().catch(() => undefined);
      throw e;
    }
    if (fixed) {
      return { vocab: fixed, train: await train.finish(), valid: await valid?.finish() };
    }
    await train.close();
    await valid?.close();
    const vocab = Vocabulary.fromCounts(new Map(types.map((t, i) => [t, counts[i]])), opts.vocabOptions);
    const remap = Int32Array.from(types, (t) => vocab.id(t));
    const final = async (name: string): Promise<IdCache> => {
      const tmp = path.join(opts.dir, `${name}.tmp`);
      const docsPath = path.join(opts.dir, `${name}.docs`);
      await fsp.rename(docsPath, docsPath + '.in');
      const w = await SplitWriter.create(opts.dir, name);
      for await (const d of readDocs(tmp, docsPath + '.in')) {
        for (let i = 0; i < d.length; i++) d[i] = remap[d[i]];
        await w.doc(d);
      }
      await fsp.rm(tmp);
      await fsp.rm(docsPath + '.in');
      return w.finish();
    };
    return { vocab, train: await final(trainName), valid: valid ? await final(validName) : undefined };
  };
}

/**
 * The documents of an ids file (Int32 little-endian) cut by its document
 * index (one Int32 length per document), read sequentially.
 */
async function* readDocs(idsPath: string, docsPath: string): AsyncGenerator<Int32Array> {
  const lens = await IntReader.open(docsPath);
  const ids = await IntReader.open(idsPath);
  try {
    for (;;) {
      const ls = await lens.block();
      if (ls.length === 0) break;
      for (const l of ls) {
        const d = await ids.take(l);
        if (d.length !== l) throw new Error(`${idsPath}: shorter than its document index`);
        yield d;
      }
    }
  } finally {
    await lens.close();
    await ids.close();
  }
}

/** True when `dir` is absent or holds only id-cache files (safe to remove). */
export async function isIdCacheDir(dir: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
  return entries.every((f) => /^[A-Za-z0-9_-]+\.(ids|docs|json|tmp|docs\.in)$/.test(f));
}

/** Remove an id cache directory, refusing a directory that holds anything else. */
export async function removeIdCache(dir: string): Promise<void> {
  if (!(await isIdCacheDir(dir))) throw new Error(`${dir}: holds files that are not an id cache; not removing it (choose another --cache)`);
  await fsp.rm(dir, { recursive: true, force: true });
}
