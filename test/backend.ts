import t from 'tap';
import { initBackend, tf } from '../src/backend.js';

t.test('default backend here is wasm, reported on stderr', async (t) => {
  const lines: string[] = [];
  const prev = process.env.LMSTREAM_BACKEND;
  delete process.env.LMSTREAM_BACKEND;
  const choice = await initBackend(undefined, (m) => lines.push(m));
  if (prev !== undefined) process.env.LMSTREAM_BACKEND = prev;
  t.equal(choice.name, 'wasm');
  t.equal(tf.getBackend(), 'wasm');
  t.equal(lines.length, 1);
  t.match(lines[0], /tfjs backend wasm/);
  // the native backend cannot install here; the reason is kept, not hidden
  t.match(choice.skipped.join(';'), /tensorflow unavailable/);
  // and it computes: a 2x2 matmul on the chosen backend
  const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]));
  t.same(Array.from(y.dataSync()), [19, 22, 43, 50]);
  y.dispose();
});
