/**
 * Writing output so that a failure is never mistaken for success.
 *
 * - `writeAll(w, chunks)`: chunks to a Writable with backpressure; the first
 *   write error rejects.
 * - `flushed(w)`: resolves once every write made so far has reached the
 *   system, rejects with the stream's error. A command awaits it before it
 *   reports success: a write that returned `true` can still fail later.
 * - `fullWrites(stream)`: Node writes stdout to a file or a character device
 *   (`> out.txt`, `/dev/full`) with one `write(2)` per chunk and ignores a
 *   short count, so a disk that fills part-way silently truncates the output
 *   with exit 0. This makes such a stream write every byte or fail with the
 *   system's error (ENOSPC, EIO, …).
 */
import { writeSync } from 'node:fs';
import type { Writable } from 'node:stream';

/** Write all of `buf` to `fd` (looping over short writes); throws the system's error. */
export function writeFullySync(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.byteLength) {
    const n = writeSync(fd, buf, off, buf.byteLength - off);
    if (n <= 0) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO', syscall: 'write' });
    off += n;
  }
}

interface FdStream extends Writable {
  fd?: number;
}

/**
 * Make a synchronous file stream (Node's SyncWriteStream behind
 * process.stdout/stderr when they are files) write fully or fail. Other
 * streams (pipes, TTYs) already write fully and are left as they are.
 * Returns true when the stream was changed.
 */
export function fullWrites(stream: Writable): boolean {
  const s = stream as FdStream;
  if (s.constructor?.name !== 'SyncWriteStream' || typeof s.fd !== 'number') return false;
  const fd = s.fd;
  s._write = (chunk: Buffer | string, enc: BufferEncoding, cb: (e?: Error | null) => void) => {
    try {
      writeFullySync(fd, typeof chunk === 'string' ? Buffer.from(chunk, enc) : chunk);
    } catch (e) {
      cb(e as Error);
      return;
    }
    cb();
  };
  return true;
}

/**
 * Resolves when every write so far has completed; rejects with the stream's
 * write error. After an error the listener stays on the stream: Node emits
 * 'error' after the failed callbacks, and an unheard 'error' would crash.
 */
export function flushed(w: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (w.errored) { reject(w.errored); return; }
    if (w.destroyed || w.writableEnded) { resolve(); return; }
    const onError = (e: Error) => reject(e);
    w.on('error', onError);
    // An empty write is queued behind all earlier ones; its callback runs
    // after they are done, with the first error if one failed.
    w.write('', (e) => {
      const err = e ?? w.errored;
      if (err) { reject(err); return; }
      w.off('error', onError);
      resolve();
    });
  });
}

/** Write chunks with backpressure; the first write error rejects. Does not end `w`. */
export async function writeAll(w: Writable, chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<void> {
  let failed: Error | undefined;
  const onError = (e: Error) => { failed ??= e; };
  w.on('error', onError);
  try {
    for await (const c of chunks) {
      if (failed ?? w.errored) throw failed ?? w.errored;
      if (!w.write(c)) {
        await new Promise<void>((resolve, reject) => {
          const done = (e?: Error | null) => {
            w.off('drain', done);
            w.off('error', done);
            w.off('close', onClose);
            if (e) reject(e); else resolve();
          };
          const onClose = () => done(w.errored ?? failed);
          w.on('drain', done);
          w.on('error', done);
          w.on('close', onClose);
        });
      }
    }
    await flushed(w);
  } finally {
    // after a failure the listener stays (see flushed)
    if (!failed && !w.errored) w.off('error', onError);
  }
}
