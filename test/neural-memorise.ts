import t from 'tap';
import { readFileSync } from 'node:fs';
import { initBackend } from '../src/backend.js';
import type { NeuralConfig, SeqBatch, WindowBatch } from '../src/neural/api.js';
import { createModel, defaultConfig } from '../src/neural/index.js';

await initBackend(undefined, () => {});

const text = readFileSync(new URL('../fixtures/neural/tiny.txt', import.meta.url), 'utf8').trim();

t.test('an lstm memorises the tiny fixture (char level) below 0.05 nats', async (t) => {
  const chars = [...new Set(text)].sort();
  const ids = Int32Array.from(text, (c) => chars.indexOf(c));
  const T = ids.length - 1;
  const batch: SeqBatch = { kind: 'seq', B: 1, T, x: ids.slice(0, T), y: ids.slice(1), reset: Uint8Array.of(1) };
  const m = await createModel(defaultConfig({ arch: 'lstm', vocabSize: chars.length, embed: 16, hidden: 48, lr: 0.02, seed: 1 }));
  let loss = Infinity;
  let steps = 0;
  const first = (await m.trainStep(batch)).loss;
  while (loss >= 0.05 && steps < 300) {
    loss = (await m.trainStep(batch)).loss;
    steps++;
  }
  t.ok(first > 2.5, `starts near log V (${first.toFixed(3)})`);
  t.ok(loss < 0.05, `training loss ${loss.toFixed(4)} after ${steps} steps`);
  m.dispose();
});

t.test('the mlp memorises the tiny fixture (word level, order 3) below 0.05 nats', async (t) => {
  const words = text.split(' ');
  const vocab = [...new Set(words)].sort();
  const ids = words.map((w) => vocab.indexOf(w));
  const N = 2;
  const B = ids.length - N;
  const context = new Int32Array(B * N);
  const next = new Int32Array(B);
  const seen = new Map<string, number>();
  const conflicts: string[] = [];
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < N; j++) context[b * N + j] = ids[b + j];
    next[b] = ids[b + N];
    const key = `${ids[b]} ${ids[b + 1]}`;
    if (seen.has(key) && seen.get(key) !== next[b]) conflicts.push(key);
    seen.set(key, next[b]);
  }
  t.same(conflicts, [], 'each context determines the next word, so memorising is possible');
  const batch: WindowBatch = { kind: 'window', B, N, context, next };
  for (const partial of [{ direct: true }, { softmax: 'class', classes: 4 }] as Partial<NeuralConfig>[]) {
    const m = await createModel(defaultConfig({ arch: 'mlp', vocabSize: vocab.length, order: 3, embed: 10, hidden: 30, lr: 0.03, seed: 2, ...partial }));
    let loss = Infinity;
    let steps = 0;
    while (loss >= 0.05 && steps < 300) {
      loss = (await m.trainStep(batch)).loss;
      steps++;
    }
    t.ok(loss < 0.05, `${JSON.stringify(partial)}: training loss ${loss.toFixed(4)} after ${steps} steps`);
    m.dispose();
  }
});

t.test('the same seed gives the same losses (with dropout); another seed does not', async (t) => {
  const chars = [...new Set(text)].sort();
  const ids = Int32Array.from(text.slice(0, 41), (c) => chars.indexOf(c));
  const batch: SeqBatch = { kind: 'seq', B: 2, T: 20, x: Int32Array.from([...ids.slice(0, 20), ...ids.slice(20, 40)]), y: Int32Array.from([...ids.slice(1, 21), ...ids.slice(21, 41)]), reset: new Uint8Array(2) };
  const run = async (seed: number, arch: 'gru' | 'lstm') => {
    const m = await createModel(defaultConfig({ arch, vocabSize: chars.length, embed: 8, hidden: 16, layers: 2, dropout: 0.3, init: 'orthogonal', seed }));
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) losses.push((await m.trainStep(batch)).loss);
    m.dispose();
    return losses;
  };
  for (const arch of ['lstm', 'gru'] as const) {
    const a = await run(5, arch);
    t.same(await run(5, arch), a, `${arch}: identical losses`);
    t.notSame(await run(6, arch), a, `${arch}: a different seed differs`);
  }
});
