/**
 * The one way to open an input (a corpus, a count file, an ARPA file): a file
 * name or `-` (stdin) → a byte stream, decompressed when the first bytes say
 * so (as KenLM's util/read_compressed does: by magic bytes, not by name).
 *
 *   output: Readable of Buffers (the decompressed bytes)
 *
 * - gzip (1f 8b): node:zlib (concatenated members are read as one stream).
 * - bzip2 ("BZh") and xz (fd 37 7a 58 5a 00): the system tools `bzip2 -dc`
 *   and `xz -dc` as child processes (Debian packages bzip2 and xz-utils),
 *   fed through their stdin; a missing tool is one clear error.
 * - zstd, lz4, zip, 7z, compress (.Z): an error naming the format.
 * Errors (missing file, a directory, corrupt compressed data) name the input
 * and carry `code: 'EINPUT'`, so commands print them as one line. Memory: the
 * stream buffers only (a few chunks); the child's pipes are bounded too.
 */
import { spawn } from 'node:child_process';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz';

const UNSUPPORTED: [string, number[]][] = [
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['lz4', [0x04, 0x22, 0x4d, 0x18]],
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['compress (.Z)', [0x1f, 0x9d]],
];

const startsWith = (b: Buffer, magic: number[]) => b.length >= magic.length && magic.every((x, i) => b[i] === x);

/** The compression of data that starts with `head` (at least 6 bytes unless the data is shorter). */
export function detectCompression(head: Buffer): Compression | { unsupported: string } {
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(head, [0x42, 0x5a, 0x68])) return 'bzip2';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  for (const [name, magic] of UNSUPPORTED) if (startsWith(head, magic)) return { unsupported: name };
  return 'none';
}

/** An error about an input, meant for the user as it is. */
export function inputError(name: string, what: string): Error {
  return Object.assign(new Error(`${name}: ${what}`), { code: 'EINPUT' });
}

function fsMessage(e: NodeJS.ErrnoException): string {
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EISDIR') return 'is a directory';
  if (e.code === 'EACCES') return 'permission denied';
  return e.message;
}

/** `tool -dc` as a child process: `src` into its stdin, its stdout out. */
function decompressWithTool(tool: string, name: string, src: Readable): Readable {
  const child = spawn(tool, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new PassThrough();
  let stderr = '';
  let failed = false;
  const fail = (e: Error) => { if (!failed) { failed = true; out.destroy(e); } };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => { if (stderr.length < 1000) stderr += s; });
  child.on('error', (e: NodeJS.ErrnoException) => {
    fail(inputError(name, e.code === 'ENOENT' ? `${tool}-compressed, but the ${tool} program is not installed` : `${tool}: ${e.message}`));
  });
  child.stdin.on('error', () => { /* the child ended early: its exit code says why */ });
  src.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
  child.on('close', (code) => {
    if (code === 0) out.end();
    else fail(inputError(name, `corrupt ${tool} data (${stderr.trim().split('\n')[0] || `${tool} exit ${code}`})`));
  });
  out.on('close', () => { if (child.exitCode === null) child.kill(); src.destroy(); });
  return out;
}

export interface OpenInputOptions {
  stdin?: Readable;
  name?: string;
  highWaterMark?: number;
  /**
   * told each chunk's size as it is read from the file (the bytes on disk,
   * before decompression: the progress against `inputFileSize`); not for stdin
   */
  onBytes?: (n: number) => void;
}

/**
 * Open one input (`-` = `stdin`): its bytes, decompressed when it is gzip,
 * bzip2 or xz. `name` is used in messages (default: the file name, or
 * `<stdin>`).
 */
export function openInput(file: string, opts: OpenInputOptions = {}): Readable {
  const name = opts.name ?? (file === '-' ? '<stdin>' : file);
  const hwm = opts.highWaterMark ?? 64 * 1024;
  if (file !== '-') return openFile(file, name, hwm, opts.onBytes);
  return openStream(opts.stdin ?? process.stdin, name, hwm);
}

/**
 * A stream that fails with `e` when it is first read: a caller may do other
 * (asynchronous) work before it consumes the input, and an error emitted
 * before anyone listens would end the process.
 */
function failed(e: Error): Readable {
  return new Readable({
    read() {
      this.destroy(e);
    },
  });
}

const unsupported = (name: string, what: string) =>
  inputError(name, `${what}-compressed input is not supported (gzip, bzip2 and xz are): decompress it first`);

/**
 * Name the input in the errors a stream emits, in place (the first listener
 * rewrites the error's message before anyone else sees it): "NAME: cause".
 * Only the stream's own (system or zlib) errors: an error a later stage
 * destroyed the pipeline with (e.g. a long line) already says what it is.
 */
function nameErrors<T extends Readable>(r: T, describe: (e: NodeJS.ErrnoException) => string): T {
  r.prependListener('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EINPUT' || typeof e.errno !== 'number') return;
    e.message = describe(e);
    e.code = 'EINPUT';
  });
  return r;
}

/** The decompressing stage for `c` over `raw` (errors named); `raw` itself when not compressed. */
function decompress(c: Compression, raw: Readable, name: string): Readable {
  if (c === 'none') return raw;
  if (c === 'gzip') {
    const z = nameErrors(createGunzip(), (e) => `${name}: corrupt gzip data (${e.message})`);
    raw.on('error', (e) => z.destroy(e));
    z.on('close', () => raw.destroy());
    return raw.pipe(z);
  }
  return decompressWithTool(c, name, raw);
}

/**
 * A file: its first bytes are read with one small positioned read, then the
 * file is streamed from its start straight into the reader (no extra stage
 * when it is not compressed).
 */
function openFile(file: string, name: string, hwm: number, onBytes?: (n: number) => void): Readable {
  let fd: number;
  const head = Buffer.alloc(6);
  let n: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    return failed(inputError(name, fsMessage(e as NodeJS.ErrnoException)));
  }
  try {
    n = readSync(fd, head, 0, 6, 0);
  } catch (e) {
    closeSync(fd);
    return failed(inputError(name, fsMessage(e as NodeJS.ErrnoException)));
  }
  const c = detectCompression(head.subarray(0, n));
  if (typeof c === 'object') {
    closeSync(fd);
    return failed(unsupported(name, c.unsupported));
  }
  const raw = nameErrors(createReadStream(file, { fd, start: 0, highWaterMark: hwm }), (e) => `${name}: ${fsMessage(e)}`);
  // a 'data' listener beside the consumer's pipe (or 'readable') sees each chunk as it is
  // consumed and leaves the flow and its backpressure to the consumer
  if (onBytes) raw.on('data', (c: Buffer | string) => onBytes(c.length));
  return decompress(c, raw, name);
}

/** A stream (stdin): its first bytes are sniffed, then put back in front of the rest. */
function openStream(raw: Readable, name: string, hwm: number): Readable {
  const out = new PassThrough({ highWaterMark: hwm });
  let head: Buffer[] = [];
  let headLen = 0;
  let decided = false;
  let ended = false;
  raw.on('error', (e: NodeJS.ErrnoException) => out.destroy(e.code === 'EINPUT' ? e : inputError(name, fsMessage(e))));
  const decide = () => {
    decided = true;
    raw.off('data', onData);
    raw.off('end', onEnd);
    const first = Buffer.concat(head);
    head = [];
    const c = detectCompression(first);
    if (typeof c === 'object') {
      raw.destroy();
      out.destroy(unsupported(name, c.unsupported));
      return;
    }
    if (c === 'none') {
      if (first.length > 0) out.write(first);
      if (ended) out.end();
      else { raw.pipe(out); raw.resume(); }
      return;
    }
    const rest = new PassThrough({ highWaterMark: hwm });
    if (first.length > 0) rest.write(first);
    if (ended) rest.end();
    else { raw.pipe(rest); raw.resume(); }
    const bytes = decompress(c, rest, name);
    bytes.on('error', (e) => out.destroy(e));
    bytes.pipe(out);
  };
  const onData = (chunk: Buffer) => {
    head.push(chunk);
    headLen += chunk.length;
    if (headLen >= 6) { raw.pause(); decide(); }
  };
  const onEnd = () => { ended = true; if (!decided) decide(); };
  raw.on('data', onData);
  raw.on('end', onEnd);
  return out;
}

/**
 * The bytes of several inputs one after another (stdin when none, or for
 * `-`), each opened by `openInput` (so each may be compressed on its own).
 */
export function openInputs(files: readonly string[], opts: { stdin?: Readable; onBytes?: (n: number) => void } = {}): Readable {
  const list = files.length === 0 ? ['-'] : files;
  if (list.length === 1) return openInput(list[0], opts);
  async function* all(): AsyncGenerator<Buffer> {
    for (const f of list) yield* openInput(f, opts) as AsyncIterable<Buffer>;
  }
  return Readable.from(all(), { objectMode: false });
}

/**
 * The bytes on disk of the inputs, when known before reading (for a progress
 * bar's total): undefined for stdin (`-`, or no file), a non-regular or an
 * unreadable input. `plain`: also undefined when one is compressed, so that
 * the total is what `openInputs(files)` will give; otherwise compressed files
 * count their size on disk, the progress that openInput's `onBytes` reports.
 */
export function inputFileSize(files: readonly string[], opts: { plain?: boolean } = {}): number | undefined {
  if (files.length === 0) return undefined;
  let total = 0;
  for (const f of files) {
    if (f === '-') return undefined;
    let fd: number | undefined;
    try {
      fd = openSync(f, 'r');
      const st = fstatSync(fd);
      if (!st.isFile()) return undefined;
      if (opts.plain) {
        const head = Buffer.alloc(6);
        readSync(fd, head, 0, 6, 0);
        if (detectCompression(head) !== 'none') return undefined;
      }
      total += st.size;
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
  return total;
}

/** `inputFileSize(files, { plain: true })`: the bytes `openInputs(files)` will give, when known */
export function plainInputBytes(files: readonly string[]): number | undefined {
  return inputFileSize(files, { plain: true });
}
