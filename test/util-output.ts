import t from 'tap';
import { Writable } from 'node:stream';
import { closeSync, openSync } from 'node:fs';
import { flushed, writeAll, writeFullySync } from '../src/util/output.js';

/** A Writable that accepts `limit` bytes, then fails every write with ENOSPC (asynchronously, like a disk). */
function fillsAfter(limit: number, highWaterMark = 1 << 20): { w: Writable; got: () => number } {
  let n = 0;
  const w = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      setImmediate(() => {
        if (n + chunk.length > limit) cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' }));
        else { n += chunk.length; cb(); }
      });
    },
  });
  return { w, got: () => n };
}

t.test('writeAll rejects when the sink fails part-way, even if every write() returned true', async (t) => {
  const { w, got } = fillsAfter(1000);
  const chunks = Array.from({ length: 50 }, (_, i) => `line ${i} `.padEnd(99, '.') + '\n');
  await t.rejects(writeAll(w, chunks), { code: 'ENOSPC' });
  t.equal(got(), 1000, 'the first ten chunks of 100 bytes got through');
});

t.test('writeAll with backpressure (small buffer) rejects too, and succeeds when there is room', async (t) => {
  const a = fillsAfter(1000, 64);
  await t.rejects(writeAll(a.w, Array.from({ length: 50 }, () => 'x'.repeat(100))), { code: 'ENOSPC' });
  const b = fillsAfter(1 << 20, 64);
  await writeAll(b.w, Array.from({ length: 50 }, () => 'x'.repeat(100)));
  t.equal(b.got(), 5000);
});

t.test('flushed: a write that returned true and failed later is reported', async (t) => {
  const { w } = fillsAfter(10);
  t.equal(w.write('0123456789abc'), true, 'buffered: write() says all is well');
  await t.rejects(flushed(w), { code: 'ENOSPC' });
  const ok = fillsAfter(100);
  ok.w.write('0123456789');
  await flushed(ok.w);
  t.equal(ok.got(), 10);
});

t.test('writeFullySync to a full device throws ENOSPC instead of writing less', async (t) => {
  const fd = openSync('/dev/full', 'w');
  t.throws(() => writeFullySync(fd, Buffer.alloc(10)), { code: 'ENOSPC' });
  closeSync(fd);
});
