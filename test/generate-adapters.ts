import t from 'tap';
import { NgramSource } from '../src/generate/ngram-source.js';
import { NeuralSource } from '../src/generate/neural-source.js';
import { generateStream } from '../src/generate/generate.js';
import { Vocabulary } from '../src/vocab/vocabulary.js';
import type { NgramModel } from '../src/ngram/api.js';
import type { NeuralLM, NeuralConfig } from '../src/neural/api.js';

const vocab = Vocabulary.fromTokens(['a', 'b', 'c']); // 0 <unk> 1 <s> 2 </s> 3 a 4 b 5 c

/** A trigram-shaped model that records the contexts it is asked about. */
function fakeNgram(order: number) {
  const seen: number[][] = [];
  const m: NgramModel & { seen: number[][] } = {
    order, vocab, normalized: true, seen,
    logProb: () => ({ log10: 0, ngramLength: 1 }),
    nextDistribution: (ctx) => {
      seen.push(Array.from(ctx));
      // deterministic: after ...x the most probable next is (x+1), wrapping over a b c; </s> after c c
      const last = ctx.length ? ctx[ctx.length - 1] : -1;
      const p = new Float64Array(6);
      if (ctx.length >= 2 && ctx[ctx.length - 1] === 5 && ctx[ctx.length - 2] === 5) p[2] = 1;
      else if (last === 5) { p[5] = 0.6; p[3] = 0.4; }
      else if (last === 3) p[4] = 1;
      else p[3] = 1;
      return p;
    },
  };
  return m;
}

t.test('n-gram adapter: sentence models start after <s>, context is the last order-1 ids', async (t) => {
  const m = fakeNgram(3);
  const src = new NgramSource(m);
  t.same(src.begin(), [1]);
  t.same(src.advance(src.advance(src.advance([1], 3), 4), 5), [4, 5], 'keeps order-1 = 2 ids');
  const s = generateStream(src, { greedy: true, maxTokens: 10 });
  const toks: string[] = [];
  for await (const x of s) toks.push(x.token);
  // <s> → a → b → a? no: after b (4) → a (3); greedy path: a b a b … until limit
  t.same(toks, ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
  t.same(m.seen.slice(0, 3), [[1], [1, 3], [3, 4]]);
  t.ok(m.seen.every((c) => c.length <= 2));
  // prompt c c → </s> immediately
  const e = generateStream(new NgramSource(m), { greedy: true, prompt: [5, 5] });
  const out: string[] = [];
  for await (const x of e) out.push(x.token);
  t.same(out, []);
  t.equal(e.stopReason, 'eos');
  // stream mode begins empty; a unigram model keeps no context
  t.same(new NgramSource(m, 'stream').begin(), []);
  const uni = new NgramSource(fakeNgram(1));
  t.same(uni.advance(uni.begin(), 3), []);
  t.same([src.bosId, src.eosId, src.unkId, src.tokens.length], [1, 2, 0, 6]);
});

/** A fake recurrent model: state = history; P(next) favours (last + 1) over ids 3..5. */
function fakeNeural(vocabSize = 6) {
  const fed: number[] = [];
  const lm = {
    config: { vocabSize } as NeuralConfig,
    initialState: () => [] as number[],
    step: (state: unknown, token: number) => {
      fed.push(token);
      const h = [...(state as number[]), token];
      const probs = new Float32Array(vocabSize);
      probs[token >= 3 && token < 5 ? token + 1 : 3] = 0.9;
      probs[2] = 0.1;
      return { state: h, probs };
    },
  } as unknown as NeuralLM;
  return { lm, fed };
}

t.test('neural adapter: feeds <s> first in sentence mode, then each sampled token', async (t) => {
  const { lm, fed } = fakeNeural();
  const src = new NeuralSource(lm, vocab.tokens);
  const s = generateStream(src, { greedy: true, maxTokens: 5, prompt: [4] });
  const toks: string[] = [];
  for await (const x of s) toks.push(x.token);
  t.same(toks, ['c', 'a', 'b', 'c', 'a']);
  t.same(fed, [1, 4, 5, 3, 4, 5], '<s>, prompt, then sampled tokens (the last one is not fed)');
  // stream mode with no start ids: uniform over ordinary tokens until fed
  const { lm: lm2, fed: fed2 } = fakeNeural();
  const st = new NeuralSource(lm2, vocab.tokens, { mode: 'stream' });
  const b = st.begin();
  t.same(fed2, []);
  t.same(Array.from(st.next(b)), [0, 0, 0, 1, 1, 1]);
  const { lm: lm3, fed: fed3 } = fakeNeural();
  new NeuralSource(lm3, vocab.tokens, { mode: 'stream', startIds: [5] }).begin();
  t.same(fed3, [5]);
  t.throws(() => new NeuralSource(fakeNeural(7).lm, vocab.tokens), /vocabSize 7/);
});

t.test('n-gram adapter on a stupid back-off model: scores renormalised by the sampler', async (t) => {
  const { buildSmoothed } = await import('../src/ngram/smoothing/index.js');
  const { samplingDistribution } = await import('../src/generate/sampling.js');
  // corpus "a b" / "a a b", sentence mode, order 2; ids 0 <unk> 1 <s> 2 </s> 3 a 4 b
  const v = Vocabulary.fromTokens(['a', 'b']);
  const sents = [[1, 3, 4, 2], [1, 3, 3, 4, 2]];
  const table = (k: number) => {
    const m = new Map<string, number>();
    for (const s of sents) for (let i = 0; i + k <= s.length; i++) m.set(s.slice(i, i + k).join(' '), (m.get(s.slice(i, i + k).join(' ')) ?? 0) + 1);
    const rows = [...m].map(([key, c]) => ({ ids: key.split(' ').map(Number), c }))
      .sort((a, b) => { for (let q = 0; q < k; q++) if (a.ids[q] !== b.ids[q]) return a.ids[q] - b.ids[q]; return 0; });
    return { order: k, n: rows.length, ids: Uint32Array.from(rows.flatMap((r) => r.ids)), counts: Float64Array.from(rows.map((r) => r.c)) };
  };
  const model = buildSmoothed({ order: 2, vocab: v, mode: 'sentence', tables: [table(1), table(2)] }, 'stupid-backoff', { alpha: 0.4 });
  t.equal(model.normalized, false);
  const src = new NgramSource(model);
  const scores = src.next(src.advance(src.begin(), 3)); // after "a"
  // S(b|a) = 2/3, S(a|a) = 1/3, S(</s>|a) = 0.4 · 2/7: sum 7.8/7
  const d = samplingDistribution(scores, { bosId: 1 });
  const want = [0, 0, 0.8 / 7.8, (7 / 3) / 7.8, (14 / 3) / 7.8];
  want.forEach((w, i) => t.ok(Math.abs(d[i] - w) < 1e-12, `id ${i}: ${d[i]} vs ${w}`));
  // and generation runs on it, ending at </s>
  const s = generateStream(src, { seed: 4, maxTokens: 50 });
  const toks: string[] = [];
  for await (const x of s) toks.push(x.token);
  t.ok(toks.every((x) => x === 'a' || x === 'b'));
  t.equal(s.stopReason, 'eos');
});
