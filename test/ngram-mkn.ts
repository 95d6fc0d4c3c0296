import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeCorpus, buildModel } from '../src/ngram/build.js';
import { adjustCounts } from '../src/ngram/adjust.js';
import { estimateDiscounts, mknBlocks } from '../src/ngram/mkn.js';
import type { ArpaBlock } from '../src/ngram/arpa-write.js';

const tiny = fileURLToPath(new URL('../fixtures/ngram/tiny.txt', import.meta.url));

/**
 * Interpolated modified Kneser-Ney straight from the formulas, over strings
 * (a brute-force reference, independent of the radix-sorted implementation).
 */
function referenceMkn(sentences: string[][], N: number) {
  const raw: Map<string, number>[] = [];
  for (let k = 0; k <= N; k++) raw.push(new Map());
  const vocab = new Set(['<unk>', '<s>', '</s>']);
  for (const s of sentences) {
    const seq = ['<s>', ...s, '</s>'];
    for (const w of s) vocab.add(w);
    for (let k = 1; k <= N; k++) {
      for (let i = 0; i + k <= seq.length; i++) {
        const g = seq.slice(i, i + k).join(' ');
        raw[k].set(g, (raw[k].get(g) ?? 0) + 1);
      }
    }
  }
  // adjusted counts
  const adj: Map<string, number>[] = [new Map()];
  for (let k = 1; k <= N; k++) {
    const m = new Map<string, number>();
    for (const [g, c] of raw[k]) {
      if (k === N || g.split(' ')[0] === '<s>') m.set(g, c);
      else {
        let left = 0;
        for (const h of raw[k + 1].keys()) if (h.split(' ').slice(1).join(' ') === g) left++;
        m.set(g, left);
      }
    }
    if (k === 1) { m.set('<s>', 0); m.set('<unk>', 0); }
    adj.push(m);
  }
  // discounts
  const D: number[][] = [[]];
  for (let k = 1; k <= N; k++) {
    const n = [0, 0, 0, 0, 0];
    for (const c of adj[k].values()) if (c >= 1 && c <= 4) n[c]++;
    const y = n[1] / (n[1] + 2 * n[2]);
    D.push([0, 1 - 2 * y * n[2] / n[1], 2 - 3 * y * n[3] / n[2], 3 - 4 * y * n[4] / n[3]]);
  }
  const disc = (k: number, c: number) => D[k][Math.min(c, 3)];
  // context sums
  const gamma: Map<string, number>[] = [new Map()];
  const den: Map<string, number>[] = [new Map()];
  for (let k = 1; k <= N; k++) {
    const g = new Map<string, number>();
    const d = new Map<string, number>();
    for (const [ng, c] of adj[k]) {
      const ctx = ng.split(' ').slice(0, -1).join(' ');
      d.set(ctx, (d.get(ctx) ?? 0) + c);
      if (c > 0) g.set(ctx, (g.get(ctx) ?? 0) + disc(k, c));
    }
    for (const [ctx, s] of g) g.set(ctx, s / d.get(ctx)!);
    gamma.push(g);
    den.push(d);
  }
  const V = vocab.size;
  const prob: Map<string, number>[] = [new Map()];
  for (let k = 1; k <= N; k++) {
    const m = new Map<string, number>();
    for (const [ng, c] of adj[k]) {
      const ws = ng.split(' ');
      const ctx = ws.slice(0, -1).join(' ');
      let p: number;
      if (k === 1) {
        if (ng === '<s>') p = 1;
        else p = (c > 0 ? (c - disc(1, c)) / den[1].get('')! : 0) + gamma[1].get('')! / (V - 1);
      } else {
        p = (c - disc(k, c)) / den[k].get(ctx)! + gamma[k].get(ctx)! * prob[k - 1].get(ws.slice(1).join(' '))!;
      }
      m.set(ng, p);
    }
    prob.push(m);
  }
  const out = new Map<string, [number, number]>();
  for (let k = 1; k <= N; k++) {
    for (const [ng, p] of prob[k]) {
      const bo = k < N ? gamma[k + 1].get(ng) ?? 1 : NaN;
      out.set(ng, [Math.log10(p), Math.log10(bo)]);
    }
  }
  return { entries: out, D };
}

function entriesOf(tokens: string[], blocks: ArpaBlock[]): Map<string, [number, number]> {
  const m = new Map<string, [number, number]>();
  for (const b of blocks) {
    for (let i = 0; i < b.n; i++) {
      const s = b.ends ? b.ends[i] - b.order + 1 : i * b.order;
      const key = Array.from(b.words.subarray(s, s + b.order), (id) => tokens[id]).join(' ');
      m.set(key, [b.log10p[i], b.log10bo ? b.log10bo[i] : NaN]);
    }
  }
  return m;
}

/** deterministic small corpus with enough variety for every discount to be estimable */
function corpus(): string[][] {
  let s = 12345;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  const out: string[][] = [];
  for (let i = 0; i < 300; i++) {
    const len = 1 + Math.floor(rnd() * 8);
    const sent: string[] = [];
    let prev = 0;
    for (let j = 0; j < len; j++) {
      // Zipf-like words and a sticky successor: frequent and rare n-grams of every order
      prev = rnd() < 0.4 ? (prev + 1) % 40 : Math.floor(40 * rnd() * rnd() * rnd());
      sent.push(`w${prev}`);
    }
    out.push(sent);
  }
  return out;
}

async function build(sentences: string[][], N: number) {
  const p = await encodeCorpus(sentences.map((s) => s.join(' ')), { order: N });
  const tab = adjustCounts(p, p.tokens.length);
  const warnings: string[] = [];
  const d = estimateDiscounts(tab.countsOfCounts, { warn: (m) => warnings.push(m) });
  const blocks = [...mknBlocks(tab, d)];
  return { tokens: p.tokens, blocks, d, warnings };
}

t.test('discounts of the tiny corpus by hand (Chen & Goodman eq. 26)', async (t) => {
  const lines = readFileSync(tiny, 'utf8').trim().split('\n').map((l) => l.split(' '));
  const { d, warnings } = await build(lines, 3);
  // unigram adjusted counts: </s> after c, b, a → 3; a after <s>, c → 2; b after a, <s> → 2; c after b → 1
  // n1 = 1, n2 = 2, n3 = 1, n4 = 0: Y = 1/5
  t.ok(Math.abs(d[0][1] - (1 - 2 * 0.2 * 2 / 1)) < 1e-12, 'D1 = 0.2');
  t.ok(Math.abs(d[0][2] - (2 - 3 * 0.2 * 1 / 2)) < 1e-12, 'D2 = 1.7');
  t.equal(d[0][3], 3, 'D3+ = 3');
  // bigrams/trigrams have no adjusted count 3: KenLM's fallback 0.5 1 1.5 with a warning
  t.same(d[1], [0, 0.5, 1, 1.5]);
  t.same(d[2], [0, 0.5, 1, 1.5]);
  t.equal(warnings.length, 2);
  t.match(warnings[0], /2-grams with adjusted count 4 because no 2-grams with adjusted count 3/);
});

t.test('tiny corpus: values by hand', async (t) => {
  const lines = readFileSync(tiny, 'utf8').trim().split('\n').map((l) => l.split(' '));
  const { tokens, blocks } = await build(lines, 3);
  const e = entriesOf(tokens, blocks);
  // unigrams: Σ adjusted = 3 + 2 + 2 + 1 = 8; γ = (0.2·1 + 1.7·2 + 3·1) / 8 = 6.6/8; uniform 1/5 (6 unigrams minus <s>)
  const g1 = 6.6 / 8;
  t.ok(Math.abs(e.get('<unk>')![0] - Math.log10(g1 / 5)) < 1e-12);
  t.ok(Math.abs(e.get('c')![0] - Math.log10((1 - 0.2) / 8 + g1 / 5)) < 1e-12);
  t.ok(Math.abs(e.get('</s>')![0] - Math.log10((3 - 3) / 8 + g1 / 5)) < 1e-12);
  t.equal(e.get('<s>')![0], 0);
  // bigram context "b": b c (adjusted 2: a b c, <s> b c), b </s> (1: a b </s>); D = 0.5 1 1.5
  const pc = (1 - 0.2) / 8 + g1 / 5;
  const gb = (1 * 1 + 0.5 * 1) / 3;
  t.ok(Math.abs(e.get('b c')![0] - Math.log10((2 - 1) / 3 + gb * pc)) < 1e-12);
  t.ok(Math.abs(e.get('b')![1] - Math.log10(gb)) < 1e-12, 'back-off of b = γ(b)');
  // <s>-initial bigram keeps its raw count: <s> a (2), <s> b (1); γ(<s>) = (1 + 0.5)/3
  const pa = (2 - 1.7) / 8 + g1 / 5;
  t.ok(Math.abs(e.get('<s> a')![0] - Math.log10((2 - 1) / 3 + (1.5 / 3) * pa)) < 1e-12);
});

t.test('radix implementation equals the brute-force reference on a 300-sentence corpus', async (t) => {
  const sents = corpus();
  for (const N of [1, 2, 3, 4]) {
    const ref = referenceMkn(sents, N);
    const { tokens, blocks, warnings } = await build(sents, N);
    t.same(warnings, [], `order ${N}: every discount estimable`);
    if (warnings.length) t.comment(warnings.join('\n'));
    const mine = entriesOf(tokens, blocks);
    t.equal(mine.size, ref.entries.size, `order ${N}: same number of entries`);
    let worst = 0;
    let missing = 0;
    for (const [key, [p, bo]] of ref.entries) {
      const m = mine.get(key);
      if (!m) { missing++; continue; }
      worst = Math.max(worst, Math.abs(m[0] - p));
      if (!Number.isNaN(bo)) worst = Math.max(worst, Math.abs(m[1] - bo));
    }
    t.equal(missing, 0, `order ${N}: same n-grams`);
    t.ok(worst < 1e-9, `order ${N}: log10 values within 1e-9 (worst ${worst})`);
  }
});

t.test('distributions sum to 1 (within 1e-9) for sampled contexts', async (t) => {
  const sents = corpus();
  for (const smoothing of ['mkn', 'kn'] as const) {
    const p = await encodeCorpus(sents.map((s) => s.join(' ')), { order: 3 });
    const model = buildModel(p, { order: 3, smoothing, warn: () => {} });
    const v = model.vocab;
    const ctxs = [[], [v.bosId], [v.id('w0')], [v.id('w0'), v.id('w1')], [v.id('w7'), v.id('w7')], [v.bosId, v.id('w2')], [v.id('zebra'), v.id('w3')], [v.id('w39'), v.id('w38')]];
    for (const c of ctxs) {
      const d = model.nextDistribution(c);
      const sum = d.reduce((a, b) => a + b, 0);
      t.ok(Math.abs(sum - 1) < 1e-9, `${smoothing} context [${c}]: sum ${sum}`);
      t.equal(d[v.bosId], 0, '<s> is never predicted');
    }
  }
});

t.test('--prune: highest-order singletons dropped, their mass in the back-off, still normalized', async (t) => {
  const lines = readFileSync(tiny, 'utf8').trim().split('\n').map((l) => l.split(' '));
  const p = await encodeCorpus(lines.map((l) => l.join(' ')), { order: 3 });
  const tab = adjustCounts(p, p.tokens.length);
  const d = estimateDiscounts(tab.countsOfCounts, { warn: () => {} });
  const blocks = [...mknBlocks(tab, d, { pruneTop: true })];
  const e = entriesOf(p.tokens, blocks);
  t.same([...e.keys()].filter((k) => k.split(' ').length === 3), ['<s> a b'], 'only the trigram seen twice stays');
  // context "a b": both trigrams (a b c, a b </s>) pruned → γ = (0 + 1 + 1) / 2 = 1
  t.equal(e.get('a b')![1], 0);
  // context "<s> a" untouched: p = (2 - D2) / 2 + γ p(a b), γ = D2 / 2, D2 = 1 (fallback)
  const g1 = 6.6 / 8;
  const pb = (2 - 1.7) / 8 + g1 / 5;
  const pab = (1 - 0.5) / 2 + ((0.5 + 0.5) / 2) * pb;
  t.ok(Math.abs(e.get('<s> a b')![0] - Math.log10(0.5 + 0.5 * pab)) < 1e-12);
  const sents = corpus();
  const model = buildModel(await encodeCorpus(sents.map((s) => s.join(' ')), { order: 3 }), { order: 3, prune: true, warn: () => {} });
  const v = model.vocab;
  for (const c of [[v.bosId], [v.id('w0'), v.id('w1')], [v.id('w3'), v.id('w9')]]) {
    const sum = model.nextDistribution(c).reduce((a, b) => a + b, 0);
    t.ok(Math.abs(sum - 1) < 1e-9, `pruned model, context [${c}]: sum ${sum}`);
  }
});
