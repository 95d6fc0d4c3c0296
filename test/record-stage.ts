import t from 'tap';
import { recordStage, unbatch } from '../src/io/record-stage.js';
import { collect } from './helpers/streams.js';

t.test('maps records, drops undefined, batches alike', async (t) => {
  const half = (n: number) => (n % 2 === 0 ? n / 2 : undefined);
  t.same(await collect([2, 3, 8], recordStage(half)), [1, 4]);
  t.same(await collect([[2, 3], [5], [8]], recordStage(half, { batch: true })), [[1], [4]], 'an emptied batch is not emitted');
  t.same(await collect([[1, 2], [], [3]], unbatch()), [1, 2, 3]);
});

t.test('an error thrown by the function fails the pipeline', async (t) => {
  const boom = (n: number) => { if (n === 2) throw new Error('bad record 2'); return n; };
  await t.rejects(collect([1, 2, 3], recordStage(boom)), { message: 'bad record 2' });
  await t.rejects(collect([[1, 2]], recordStage(boom, { batch: true })), { message: 'bad record 2' });
});
