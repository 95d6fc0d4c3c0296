/** Test helpers for stream stages: chunked byte sources and collecting sinks. */
import { Readable, type Duplex, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The bytes as a Readable emitting chunks of `size` bytes. */
export function chunked(bytes: Buffer | string, size: number): Readable {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const chunks: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) chunks.push(b.subarray(i, i + size));
  return Readable.from(chunks, { objectMode: false });
}

/** Run records (or a source stream) through stages; collect what comes out. */
export async function collect<T = unknown>(source: Readable | unknown[], ...stages: (Transform | Duplex)[]): Promise<T[]> {
  const out: T[] = [];
  const src = Array.isArray(source) ? Readable.from(source, { objectMode: true }) : source;
  await (pipeline as (...a: unknown[]) => Promise<void>)(src, ...stages, async function (it: AsyncIterable<T>) {
    for await (const x of it) out.push(x);
  });
  return out;
}

/** Flatten batches. */
export function flat<T>(batches: T[][]): T[] {
  return batches.flat() as T[];
}
