import t from 'tap';
import { Writable } from 'node:stream';
import { writeSamples } from '../src/generate/write-samples.js';
import { Xoshiro128 } from '../src/util/random.js';
import { drawIndex } from '../src/generate/sampling.js';
import type { TokenSource } from '../src/generate/source.js';

// ids 0 <unk>, 1 <s>, 2 </s>, 3 the, 4 cat, 5 sat, 6 "."
const TOKENS = ['<unk>', '<s>', '</s>', 'the', 'cat', 'sat', '.'];
const ROW: Record<number, number[]> = {
  1: [0, 0, 0, 0.8, 0.2, 0, 0],
  3: [0, 0, 0, 0, 0.9, 0.1, 0],
  4: [0, 0, 0, 0, 0, 0.7, 0.3],
  5: [0, 0, 0, 0.4, 0, 0, 0.6],
  6: [0, 0, 1, 0, 0, 0, 0],
  0: [0, 0, 0, 0, 0.5, 0.5, 0],
};
function source() {
  const calls = { next: 0 };
  const s: TokenSource<number> & { calls: typeof calls } = {
    tokens: TOKENS, bosId: 1, eosId: 2, unkId: 0, calls,
    begin: () => 1,
    advance: (_s, id) => id,
    next: (st) => { calls.next++; return Float64Array.from(ROW[st]); },
  };
  return s;
}
function sink() {
  let text = '';
  const w = new Writable({ write(c, _e, cb) { text += c.toString(); cb(); } });
  return { w, get text() { return text; } };
}
function expectedLine(rng: Xoshiro128, start: number): string[] {
  const out: string[] = [];
  let prev = start;
  for (;;) {
    const id = drawIndex(ROW[prev], rng.random());
    if (id === 2) return out;
    out.push(TOKENS[id]);
    prev = id;
  }
}

t.test('greedy with echo: prompt as typed, then the continuation, word spacing', async (t) => {
  const s = sink();
  const reasons = await writeSamples(source(), s.w, {
    greedy: true, level: 'word', promptText: 'the ', promptTokens: ['the'], promptIds: [3],
  });
  // the → cat (.9) → sat (.7) → . (.6) → </s>
  t.equal(s.text, 'the cat sat.\n');
  t.same(reasons, ['eos']);
  const n = sink();
  await writeSamples(source(), n.w, { greedy: true, level: 'word', promptText: 'the', promptTokens: ['the'], promptIds: [3], echo: false });
  t.equal(n.text, 'cat sat.\n', '--no-echo');
  const ws = sink();
  await writeSamples(source(), ws.w, { greedy: true, level: 'whitespace', maxTokens: 2 });
  t.equal(ws.text, 'the cat\n', 'whitespace level, max tokens');
});

t.test('count N with a seed: N lines, exact, one rng across samples', async (t) => {
  const s = sink();
  await writeSamples(source(), s.w, { seed: 99, count: 4, level: 'whitespace', maxTokens: 0 });
  const rng = new Xoshiro128(99);
  const expect = [0, 1, 2, 3].map(() => expectedLine(rng, 1).join(' ') + '\n').join('');
  t.equal(s.text, expect);
  t.equal(s.text.split('\n').length, 5);
  const again = sink();
  await writeSamples(source(), again.w, { seed: 99, count: 4, level: 'whitespace', maxTokens: 0 });
  t.equal(again.text, s.text, 'reproducible');
  // many samples to one sink: no listener piles up on it
  const many = sink();
  const before = ['error', 'close', 'finish', 'drain', 'end'].map((e) => many.w.listenerCount(e));
  await writeSamples(source(), many.w, { seed: 1, count: 40, level: 'word' });
  t.equal(many.text.split('\n').length, 41);
  t.same(['error', 'close', 'finish', 'drain', 'end'].map((e) => many.w.listenerCount(e)), before, 'listeners released');
  // OOV prompt id (<unk>) is fed, the typed word echoed
  const u = sink();
  await writeSamples(source(), u.w, { greedy: true, level: 'word', promptText: 'dog', promptTokens: ['dog'], promptIds: [0] });
  t.equal(u.text, 'dog cat sat.\n');
});

t.test('a reader that goes away stops generation with its error', async (t) => {
  const src = source();
  // a never-ending model: after "." comes "the" again instead of </s>
  src.next = (st) => { src.calls.next++; return Float64Array.from(st === 6 ? ROW[1] : ROW[st]); };
  let written = 0;
  const w = new Writable({
    highWaterMark: 4,
    write(c, _e, cb) {
      written += c.length;
      if (written > 50) {
        const e = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        cb(e);
      } else cb();
    },
  });
  await t.rejects(writeSamples(src, w, { seed: 1, level: 'whitespace', maxTokens: 0 }), { code: 'EPIPE' });
  const calls = src.calls.next;
  await new Promise((r) => setTimeout(r, 20));
  t.equal(src.calls.next, calls, 'no token computed after the reader went away');
  t.ok(calls < 30, `${calls} tokens computed for ~50 bytes written`);
});
