import t from 'tap';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { windowBatches, createWindowStage } from '../src/train/window.js';
import type { WindowBatch } from '../src/neural/api.js';

async function run(chunks: number[][], opts: Parameters<typeof windowBatches>[0]): Promise<WindowBatch[]> {
  const out: WindowBatch[] = [];
  await pipeline(
    Readable.from(chunks.map((c) => Int32Array.from(c))),
    windowBatches(opts),
    new Writable({ objectMode: true, write(b, _e, cb) { out.push(b); cb(); } }),
  );
  return out;
}
const plain = (bs: WindowBatch[]) => bs.map((b) => ({ B: b.B, N: b.N, context: [...b.context], next: [...b.next] }));

t.test('sentence mode: <s> padding at every document start, batches of B, remainder last', async (t) => {
  const bs = await run([[1, 5, 6, 2], [1, 7, 2]], { order: 3, batch: 2, mode: 'sentence' });
  t.same(plain(bs), [
    { B: 2, N: 2, context: [1, 1, 1, 5], next: [5, 6] },
    { B: 2, N: 2, context: [5, 6, 1, 1], next: [2, 7] },
    { B: 1, N: 2, context: [1, 7], next: [2] },
  ]);
  t.equal(bs[0].kind, 'window');
});

t.test('sentence mode without a leading <s>: the first token is a target too', async (t) => {
  const bs = await run([[5, 6]], { order: 2, batch: 4, mode: 'sentence' });
  t.same(plain(bs), [{ B: 2, N: 1, context: [1, 5], next: [5, 6] }]);
});

t.test('stream mode: context flows across chunks, <s> only before the stream', async (t) => {
  const bs = await run([[5, 6], [7], [8]], { order: 3, batch: 2, mode: 'stream' });
  t.same(plain(bs), [
    { B: 2, N: 2, context: [1, 1, 1, 5], next: [5, 6] },
    { B: 2, N: 2, context: [5, 6, 6, 7], next: [7, 8] },
  ]);
});

t.test('bad options and bad input are errors', async (t) => {
  t.throws(() => windowBatches({ order: 1, batch: 2, mode: 'stream' }), /order/);
  t.throws(() => windowBatches({ order: 3, batch: 0, mode: 'stream' }), /batch/);
  await t.rejects(
    pipeline(Readable.from([[1, 2]]), windowBatches({ order: 2, batch: 2, mode: 'stream' }), new Writable({ objectMode: true, write(_b, _e, cb) { cb(); } })),
    /Int32Array/,
  );
});

t.test('backpressure: a long document is not expanded ahead of the reader', async (t) => {
  const stage = createWindowStage({ order: 4, batch: 10, mode: 'stream' });
  const doc = new Int32Array(100_000).map((_, i) => 3 + (i % 50));
  stage.write(doc);
  stage.end();
  await new Promise((r) => setTimeout(r, 30));
  t.ok(stage.readableLength <= stage.readableHighWaterMark, `buffered ${stage.readableLength} batches`);
  const first: WindowBatch[] = [];
  for await (const b of stage) {
    first.push(b as WindowBatch);
    if (first.length === 3) break;
  }
  t.same([...first[2].next], [23, 24, 25, 26, 27, 28, 29, 30, 31, 32]);
  t.same([...first[2].context.subarray(0, 3)], [20, 21, 22]);
  // the whole document would be 10,000 batches; pulling 3 cannot have built them all
  t.ok(stage.destroyed, 'breaking out of the loop destroys the stage');
});
