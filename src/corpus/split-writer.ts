/**
 * Sink stage: writes each split's pieces as lines of space-separated tokens
 * to its own file, atomically and durably (util/atomic-write.ts: temporary
 * names, fsynced and renamed when all are complete; removed on error or signal).
 * Input (objectMode Writable): SplitPiece {split, tokens}.
 * Output: the files `paths[split]`; `lines()` gives the lines written per split.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { commitTemp, ensureDir } from '../util/atomic-write.js';
import { registerTemp, tempNameBeside } from '../util/temp.js';
import path from 'node:path';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import type { SplitPiece } from './split-cut.js';

export interface SplitWriter extends Writable {
  lines(): number[];
}

async function closeStream(s: WriteStream): Promise<void> {
  if (s.closed) return;
  const done = once(s, 'close');
  s.end();
  await done;
}

export function splitWriter(paths: readonly string[]): SplitWriter {
  const tmps = paths.map((p) => registerTemp(tempNameBeside(p)));
  let outs: WriteStream[] | undefined;
  const counts = paths.map(() => 0);
  const open = async (): Promise<WriteStream[]> => {
    if (!outs) {
      for (const p of paths) await ensureDir(path.dirname(path.resolve(p)));
      outs = tmps.map((t) => createWriteStream(t.path));
    }
    return outs;
  };
  const w = new Writable({
    objectMode: true,
    write(piece: SplitPiece, _enc, cb) {
      if (!piece || !Array.isArray(piece.tokens) || !(piece.split >= 0 && piece.split < paths.length)) {
        return cb(new Error(`split writer: bad record (split must be 0 … ${paths.length - 1})`));
      }
      open().then((o) => {
        counts[piece.split]++;
        const s = o[piece.split];
        if (s.write(piece.tokens.join(' ') + '\n')) cb();
        else {
          const onDrain = () => { s.off('error', onErr); cb(); };
          const onErr = (e: Error) => { s.off('drain', onDrain); cb(e); };
          s.once('drain', onDrain);
          s.once('error', onErr);
        }
      }, cb);
    },
    final(cb) {
      (async () => {
        const o = await open();
        await Promise.all(o.map(closeStream));
        for (const s of o) if (s.errored) throw s.errored;
        for (let i = 0; i < paths.length; i++) await commitTemp(tmps[i], paths[i]);
      })().then(() => cb(), cb);
    },
    destroy(err, cb) {
      const cleanup = async () => {
        // a stream destroyed before its open completes still creates its file:
        // wait for every close, then remove the temporaries
        if (outs) await Promise.all(outs.map((s) => {
          if (s.closed) return undefined;
          const closed = once(s, 'close');
          s.destroy();
          return closed;
        }));
        if (err) await Promise.all(tmps.map((t) => t.remove()));
      };
      cleanup().then(() => cb(err), () => cb(err));
    },
  }) as SplitWriter;
  w.lines = () => [...counts];
  return w;
}
