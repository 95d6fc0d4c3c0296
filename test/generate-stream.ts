import t from 'tap';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { generateStream, type GeneratedToken } from '../src/generate/generate.js';
import { detokenizeStage, detokenizeTokens, IncrementalDetokenizer } from '../src/generate/detokenize-stage.js';
import { detokenize } from '../src/text/detokenize.js';
import { Xoshiro128 } from '../src/util/random.js';
import { drawIndex } from '../src/generate/sampling.js';
import type { TokenSource } from '../src/generate/source.js';

// A hand-made bigram source: ids 0 <unk>, 1 <s>, 2 </s>, 3 a, 4 b, 5 c.
// P(next | prev) from the table; counts calls to next() and advance().
const TOKENS = ['<unk>', '<s>', '</s>', 'a', 'b', 'c'];
const TABLE: Record<number, number[]> = {
  1: [0, 0, 0, 0.5, 0.3, 0.2],
  3: [0.1, 0, 0.1, 0.1, 0.6, 0.1],
  4: [0, 0, 0.2, 0.3, 0.1, 0.4],
  5: [0.05, 0, 0.05, 0.7, 0.1, 0.1],
  0: [0, 0, 0.5, 0.5, 0, 0],
  2: [0, 0, 0, 0.5, 0.3, 0.2], // after </s> when it does not stop: as after <s>
};
function bigramSource() {
  const calls = { next: 0, advance: 0, begin: 0 };
  const src: TokenSource<number> & { calls: typeof calls } = {
    tokens: TOKENS, bosId: 1, eosId: 2, unkId: 0, calls,
    begin: () => { calls.begin++; return 1; },
    advance: (_s, id) => { calls.advance++; return id; },
    next: (s) => { calls.next++; return Float64Array.from(TABLE[s]); },
  };
  return src;
}

async function collect(r: AsyncIterable<GeneratedToken>): Promise<string[]> {
  const out: string[] = [];
  for await (const x of r) out.push(x.token);
  return out;
}

/** The expected sequence, computed independently with the same Xoshiro128. */
function reference(seed: number, prompt: number[], max: number, stop: number[] = [2]): string[] {
  const rng = new Xoshiro128(seed);
  let prev = prompt.length ? prompt[prompt.length - 1] : 1;
  const out: string[] = [];
  while (out.length < max) {
    const p = TABLE[prev].slice();
    p[1] = 0;
    const id = drawIndex(p, rng.random());
    if (stop.includes(id)) break;
    out.push(TOKENS[id]);
    prev = id;
  }
  return out;
}

t.test('exact sequence for a seed; same seed same text, other seed differs', async (t) => {
  const a = await collect(generateStream(bigramSource(), { seed: 7, maxTokens: 50 }));
  t.same(a, reference(7, [], 50));
  t.ok(a.length > 0);
  t.same(await collect(generateStream(bigramSource(), { seed: 7, maxTokens: 50 })), a);
  const seqs = new Set<string>();
  for (let s = 1; s <= 5; s++) seqs.add((await collect(generateStream(bigramSource(), { seed: s, maxTokens: 50 }))).join(' '));
  t.ok(seqs.size > 1, 'seeds give different samples');
  // with a prompt, the prompt is fed and not emitted
  t.same(await collect(generateStream(bigramSource(), { seed: 3, prompt: [5], maxTokens: 20 })), reference(3, [5], 20));
});

t.test('first draw for known uniforms (hand-computed)', async (t) => {
  // after <s>: P = a .5, b .3, c .2 (cum .5 .8 1); then after the drawn token
  const us = [0.55, 0.05, 0.95];
  let i = 0;
  const rng = { random: () => us[i++] };
  const s = generateStream(bigramSource(), { rng, maxTokens: 3 });
  // 0.55 → b; after b: cum </s> .2 ... 0.05 → </s> ends
  t.same(await collect(s), ['b']);
  t.equal(s.stopReason, 'eos');
  t.equal(i, 2);
});

t.test('greedy picks argmax at each step', async (t) => {
  // <s> → a (.5) → b (.6) → c (.4) → a (.7) → b …
  const s = generateStream(bigramSource(), { greedy: true, maxTokens: 6 });
  t.same(await collect(s), ['a', 'b', 'c', 'a', 'b', 'c']);
  t.equal(s.stopReason, 'max-tokens');
  t.equal(s.count, 6);
  const z = await collect(generateStream(bigramSource(), { temperature: 0, maxTokens: 4, prompt: [4] }));
  t.same(z, ['c', 'a', 'b', 'c']);
});

t.test('stops at </s>, at stop ids, at max-tokens; <unk> can be forbidden', async (t) => {
  // from <unk>: </s> .5 or a .5; greedy ties → lower id = </s>
  const e = generateStream(bigramSource(), { greedy: true, prompt: [0] });
  t.same(await collect(e), []);
  t.equal(e.stopReason, 'eos');
  const st = generateStream(bigramSource(), { greedy: true, stopIds: [5] });
  t.same(await collect(st), ['a', 'b'], 'stop token c ends, not emitted');
  t.equal(st.stopReason, 'stop');
  const m = generateStream(bigramSource(), { seed: 1, maxTokens: 0, stopAtEos: false, stopIds: [] });
  let n = 0;
  for await (const _ of m) if (++n === 300) break;
  t.equal(n, 300, 'maxTokens 0 = no limit');
  // --no-unk: over many seeds, never <unk>; without it, <unk> appears
  let unk = 0, unkNo = 0;
  for (let s = 0; s < 40; s++) {
    unk += (await collect(generateStream(bigramSource(), { seed: s, maxTokens: 30 }))).filter((x) => x === '<unk>').length;
    unkNo += (await collect(generateStream(bigramSource(), { seed: s, maxTokens: 30, noUnk: true }))).filter((x) => x === '<unk>').length;
  }
  t.ok(unk > 0);
  t.equal(unkNo, 0);
});

t.test('lazy: nothing is computed ahead of demand', async (t) => {
  const src = bigramSource();
  const s = generateStream(src, { seed: 1, maxTokens: 0, stopAtEos: false, stopIds: [] });
  await new Promise((r) => setImmediate(r));
  t.same(src.calls, { next: 0, advance: 0, begin: 0 }, 'no work before the first read');
  const got: GeneratedToken[] = [];
  for (let k = 0; k < 5; k++) {
    await new Promise((r) => setImmediate(r));
    const x = s.read();
    if (x !== null) got.push(x);
  }
  await new Promise((r) => setImmediate(r));
  t.ok(got.length >= 4, `read ${got.length}`);
  t.ok(src.calls.next <= got.length + 1, `next() called ${src.calls.next} times for ${got.length} tokens read`);
  // a slow consumer through pipeline: computed never outruns consumed by more than the buffers
  const src2 = bigramSource();
  let consumed = 0;
  let maxAhead = 0;
  const slow = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(_c, _e, cb) {
      consumed++;
      maxAhead = Math.max(maxAhead, src2.calls.next - consumed);
      setImmediate(cb);
    },
  });
  await pipeline(generateStream(src2, { seed: 2, maxTokens: 200, stopAtEos: false, stopIds: [] }), slow);
  t.equal(consumed, 200);
  t.ok(maxAhead <= 3, `at most 3 tokens computed ahead (buffers of 1), saw ${maxAhead}`);
});

t.test('destroy() stops generation; errors from the source are reported', async (t) => {
  const src = bigramSource();
  const s = generateStream(src, { seed: 1, maxTokens: 0, stopAtEos: false, stopIds: [] });
  let n = 0;
  for await (const _ of s) if (++n === 10) break; // break destroys the stream
  const after = src.calls.next;
  await new Promise((r) => setTimeout(r, 20));
  t.equal(src.calls.next, after, 'no model call after destroy');
  t.ok(s.destroyed);
  const bad: TokenSource<number> = { ...bigramSource(), next: () => Float64Array.from([0, 1, 0]) };
  await t.rejects(collect(generateStream(bad, { seed: 1 })), /cannot sample/);
});

t.test('detokenize stage: chunks concatenate to the front end detokenizer output', async (t) => {
  t.equal(detokenizeTokens(['h', 'i', '\\s', 'y', 'o', 'u'], 'char'), 'hi you');
  t.equal(detokenizeTokens(['a', ',', 'b'], 'whitespace'), 'a , b');
  t.equal(detokenizeTokens(['He', 'said', '(', 'twice', ')', ':', 'no', ',', 'do', "n't", '!'], 'word'), "He said (twice): no, don't!");
  // random token sequences, with quotes, brackets, clitics, markers
  const pool = ['the', 'cat', ',', '.', '"', "'", '(', ')', "n't", "'s", '$', '5', '...', '``', "''", '</s>', 'x', '\\s', '\\n'];
  const rng = new Xoshiro128(5);
  for (const level of ['word', 'char', 'whitespace'] as const) {
    for (let trial = 0; trial < 200; trial++) {
      const toks = Array.from({ length: 1 + rng.int(15) }, () => pool[rng.int(pool.length)]);
      const cut = rng.int(toks.length + 1);
      const d = new IncrementalDetokenizer(level);
      d.prime(toks.slice(0, cut));
      const chunks = toks.slice(cut).map((x) => d.push(x));
      const whole = level === 'whitespace' ? toks.join(' ') : detokenize(toks, level);
      const head = level === 'whitespace' ? toks.slice(0, cut).join(' ') : detokenize(toks.slice(0, cut), level);
      if (head + chunks.join('') !== whole) {
        t.fail(`${level}: ${JSON.stringify(toks)} cut ${cut}: ${JSON.stringify(head + chunks.join(''))} vs ${JSON.stringify(whole)}`);
        return;
      }
    }
    t.pass(`${level}: 200 random sequences agree`);
  }
  const chunks: string[] = [];
  const sink = new Writable({ objectMode: true, write(c, _e, cb) { chunks.push(c); cb(); } });
  await pipeline(generateStream(bigramSource(), { greedy: true, maxTokens: 4 }), detokenizeStage({ level: 'word', previous: ['c'] }), sink);
  t.same(chunks, [' a', ' b', ' c', ' a'], 'one chunk per token, spacing in front, after an echoed prompt');
});
