import t from 'tap';
import { BACKENDS, initBackend, skipReason, tf } from '../src/backend.js';
import { nativeStatus } from '../src/neural/native.js';

/** The first backend of the preference order that loads here, found without initBackend. */
async function firstLoadable(): Promise<string> {
  try {
    const mod = '@tensorflow/tfjs-node';
    await import(mod);
    if (tf.findBackend('tensorflow')) return 'tensorflow';
  } catch { /* optional package absent or broken */ }
  return 'wasm';
}

t.test('the first backend that loads is chosen and reported once, with the matmul, in plain words', async (t) => {
  const lines: string[] = [];
  const prev = process.env.LMSTREAM_BACKEND;
  delete process.env.LMSTREAM_BACKEND;
  const expected = await firstLoadable();
  const choice = await initBackend(undefined, (m) => lines.push(m));
  if (prev !== undefined) process.env.LMSTREAM_BACKEND = prev;
  t.equal(choice.name, expected);
  t.equal(tf.getBackend(), expected);
  t.equal(lines.length, 1, 'one line');
  t.ok(lines[0].startsWith(`lmstream: tfjs backend ${expected}`), lines[0]);
  t.ok(lines[0].endsWith(`, matmul ${nativeStatus().description}`), 'names the matmul in use');
  t.notMatch(lines[0], /Cannot find|unavailable:/, 'an absent optional package does not read like an error');
  t.equal(choice.skipped.length, BACKENDS.indexOf(choice.name));
  // a second call reports nothing more
  await initBackend(undefined, (m) => lines.push(m));
  t.equal(lines.length, 1);
  // and it computes: a 2x2 matmul on the chosen backend
  const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5, 6], [7, 8]]));
  t.same(Array.from(y.dataSync()), [19, 22, 43, 50]);
  y.dispose();
});

t.test('why a backend was passed over', async (t) => {
  const missing = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported from /x/backend.js"), { code: 'ERR_MODULE_NOT_FOUND' });
  t.equal(skipReason('tensorflow', missing), 'the optional @tensorflow/tfjs-node is not installed');
  t.equal(skipReason('tensorflow', new Error('libtensorflow.so: cannot open shared object file\nmore')),
    '@tensorflow/tfjs-node did not load: libtensorflow.so: cannot open shared object file');
  t.equal(skipReason('wasm', new Error("tf.setBackend('wasm') failed")), "wasm did not load: tf.setBackend('wasm') failed");
});
