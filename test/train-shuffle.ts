import t from 'tap';
import { Readable } from 'node:stream';
import { shuffleWindows } from '../src/train/shuffle.js';
import { windowBatches } from '../src/train/window.js';
import type { WindowBatch } from '../src/neural/api.js';

async function collect(g: AsyncIterable<WindowBatch>): Promise<WindowBatch[]> {
  const out: WindowBatch[] = [];
  for await (const b of g) out.push(b);
  return out;
}
const examples = (bs: WindowBatch[]) => bs.flatMap((b) => Array.from({ length: b.B }, (_, i) => [...b.context.subarray(i * b.N, i * b.N + b.N), b.next[i]].join(',')));

const ids = Int32Array.from({ length: 50 }, (_, i) => 3 + i);
const source = () => windowBatches({ order: 3, batch: 4, mode: 'stream' })(Readable.from([ids]));

t.test('same examples, permuted within the buffer, same batch sizes; seeded', async (t) => {
  const plain = await collect(source());
  const a = await collect(shuffleWindows({ buffer: 3, seed: 9 })(source()));
  const b = await collect(shuffleWindows({ buffer: 3, seed: 9 })(source()));
  const c = await collect(shuffleWindows({ buffer: 3, seed: 10 })(source()));
  t.same(a.map((x) => x.B), plain.map((x) => x.B), '4,4,…,2');
  t.same(examples(a).sort(), examples(plain).sort(), 'the same examples');
  t.notSame(examples(a), examples(plain), 'in another order');
  t.same(examples(a), examples(b), 'same seed, same order');
  t.notSame(examples(a), examples(c), 'another seed, another order');
  // each group of 3 batches (12 examples) is a permutation of the same group of the input
  for (let g = 0; g < 4; g++) {
    t.same(examples(a).slice(12 * g, 12 * g + 12).sort(), examples(plain).slice(12 * g, 12 * g + 12).sort(), `group ${g}`);
  }
  t.equal(a[0].N, 2);
});

t.test('bounded: pulls only one buffer ahead', async (t) => {
  let pulled = 0;
  async function* many(): AsyncGenerator<WindowBatch> {
    for (let i = 0; i < 1000; i++) { pulled++; yield { kind: 'window', B: 1, N: 1, context: Int32Array.of(i), next: Int32Array.of(i) }; }
  }
  const it = shuffleWindows({ buffer: 5, seed: 1 })(many());
  await it.next();
  t.equal(pulled, 5);
  await it.return(undefined);
  t.throws(() => shuffleWindows({ buffer: 0, seed: 1 }), /buffer/);
});
