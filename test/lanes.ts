import t from 'tap';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { sentenceLanes, streamLanes, arraySource, streamBatchCount, createStreamLanes } from '../src/train/lanes.js';
import type { SeqBatch } from '../src/neural/api.js';

const plain = (b: SeqBatch) => ({ B: b.B, T: b.T, x: [...b.x], y: [...b.y], reset: [...b.reset], mask: b.mask ? [...b.mask] : undefined });

async function sentence(docs: number[][], batch: number, bptt: number): Promise<SeqBatch[]> {
  const out: SeqBatch[] = [];
  await pipeline(
    Readable.from(docs.map((d) => Int32Array.from(d))),
    sentenceLanes({ batch, bptt }),
    new Writable({ objectMode: true, write(b, _e, cb) { out.push(b); cb(); } }),
  );
  return out;
}

t.test('sentence mode: documents start at window boundaries, resets and masks', async (t) => {
  const bs = await sentence([[1, 5, 6, 7, 8, 2], [1, 9, 2], [1, 4, 2]], 2, 3);
  t.same(bs.map(plain), [
    { B: 2, T: 3, x: [1, 5, 6, 1, 9, 0], y: [5, 6, 7, 9, 2, 0], reset: [1, 1], mask: [1, 1, 1, 1, 1, 0] },
    // lane 0 carries on with document 0 (no reset); lane 1 became free first and takes document 2
    { B: 2, T: 3, x: [7, 8, 0, 1, 4, 0], y: [8, 2, 0, 4, 2, 0], reset: [0, 1], mask: [1, 1, 0, 1, 1, 0] },
  ]);
  t.equal(bs[0].kind, 'seq');
});

t.test('sentence mode: idle lanes are padding; full batches have no mask; short documents skipped', async (t) => {
  const bs = await sentence([[1, 5, 6, 2], [1], [], [1, 7, 8, 2]], 3, 3);
  t.same(bs.map(plain), [
    { B: 3, T: 3, x: [1, 5, 6, 1, 7, 8, 0, 0, 0], y: [5, 6, 2, 7, 8, 2, 0, 0, 0], reset: [1, 1, 0], mask: [1, 1, 1, 1, 1, 1, 0, 0, 0] },
  ]);
  const full = await sentence([[1, 5, 2], [1, 6, 2]], 2, 2);
  t.same(full.map(plain), [{ B: 2, T: 2, x: [1, 5, 1, 6], y: [5, 2, 6, 2], reset: [1, 1], mask: undefined }]);
});

t.test('stream mode: batchify into B contiguous lanes, state carried (reset only at batch 0)', async (t) => {
  const src = arraySource(Int32Array.from([5, 6, 7, 8, 9, 10, 11]));
  const bs: SeqBatch[] = [];
  for await (const b of streamLanes(src, { batch: 2, bptt: 2 })) bs.push(b);
  t.same(bs.map(plain), [
    { B: 2, T: 2, x: [1, 5, 8, 9], y: [5, 6, 9, 10], reset: [1, 1], mask: undefined },
    { B: 2, T: 2, x: [6, 7, 10, 0], y: [7, 8, 11, 0], reset: [0, 0], mask: [1, 1, 1, 0] },
  ]);
  t.equal(streamBatchCount(7, 2, 2), 2);
  const resumed: SeqBatch[] = [];
  for await (const b of createStreamLanes(src, { batch: 2, bptt: 2, startBatch: 1 })) resumed.push(b as SeqBatch);
  t.same(resumed.map(plain), [bs[1]].map(plain), 'startBatch gives the same batch as replaying');
});

t.test('stream mode: every token is a target exactly once', async (t) => {
  const ids = Int32Array.from({ length: 103 }, (_, i) => 3 + i);
  const ys: number[] = [];
  let masked = 0;
  for await (const b of streamLanes(arraySource(ids), { batch: 4, bptt: 5 })) {
    for (let i = 0; i < b.B * b.T; i++) {
      if (!b.mask || b.mask[i]) ys.push(b.y[i]);
      else masked++;
    }
  }
  t.same(ys.sort((a, b) => a - b), [...ids]);
  t.equal(masked, 4 * 5 * streamBatchCount(103, 4, 5) - 103);
});

t.test('bad options', async (t) => {
  t.throws(() => sentenceLanes({ batch: 0, bptt: 2 }), /batch/);
  t.throws(() => sentenceLanes({ batch: 2, bptt: 1.5 }), /bptt/);
});

t.test('packed sentence mode: documents back to back, <s> targets masked, state carried across them', async (t) => {
  // two documents <s> 5 6 </s> <s> 7 </s>
  const src = arraySource(Int32Array.from([1, 5, 6, 2, 1, 7, 2]));
  const bs: SeqBatch[] = [];
  for await (const b of streamLanes(src, { batch: 1, bptt: 4, maskTarget: 1 })) bs.push(b);
  t.same(bs.map(plain), [
    { B: 1, T: 4, x: [1, 1, 5, 6], y: [1, 5, 6, 2], reset: [1], mask: [0, 1, 1, 1] },
    { B: 1, T: 4, x: [2, 1, 7, 0], y: [1, 7, 2, 0], reset: [0], mask: [0, 1, 1, 0] },
  ]);
});
