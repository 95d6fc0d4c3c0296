import t from 'tap';
import { Readable } from 'node:stream';
import { readArpa } from '../src/ngram/arpa-read.js';
import { ArpaModel } from '../src/ngram/arpa-model.js';
import { PplScorer, formatSummary } from '../src/ngram/ppl.js';

// a hand-written back-off model
const arpa = `\\data\\
ngram 1=5
ngram 2=3
ngram 3=1

\\1-grams:
-2\t<unk>\t0
0\t<s>\t-0.25
-0.5\t</s>\t0
-0.7\ta\t-0.1
-0.9\tb\t-0.2

\\2-grams:
-0.3\t<s> a\t-0.05
-0.4\ta b\t-0.15
-0.2\tb </s>

\\3-grams:
-0.1\t<s> a b

\\end\\
`;

async function model() {
  return new ArpaModel(await readArpa(Readable.from([arpa]), 'hand.arpa'));
}

t.test('back-off scores and n-gram lengths as KenLM query', async (t) => {
  const m = await model();
  const sc = new PplScorer(m, 'sentence');
  const s = sc.document(['a', 'b', 'zzz', 'a']);
  const want = [
    ['a', -0.3, 2], // <s> a
    ['b', -0.1, 3], // <s> a b
    ['zzz', -0.15 + -0.2 + -2, 1], // bo(a b) + bo(b) + p(<unk>)
    ['a', 0 + -0.7, 1], // context "b <unk>", "<unk>": no entries; bo(<unk>) = 0
    ['</s>', -0.1 + -0.5, 1], // bo(a) + p(</s>) (no "<unk> a" bigram, no "a </s>")
  ];
  t.equal(s.length, want.length);
  s.forEach((x, i) => {
    t.equal(x.token, want[i][0]);
    t.ok(Math.abs(x.log10 - (want[i][1] as number)) < 1e-12, `${x.token}: ${x.log10}`);
    t.equal(x.ngramLength, want[i][2]);
  });
  t.same(s.map((x) => x.oov), [false, false, true, false, false]);
  const sum = sc.summary();
  const total = -0.3 - 0.1 - 2.35 - 0.7 - 0.6;
  t.equal(sum.tokens, 5);
  t.equal(sum.oovs, 1);
  t.ok(Math.abs(sum.pplIncludingOovs - Math.pow(10, -total / 5)) < 1e-9);
  t.ok(Math.abs(sum.pplExcludingOovs - Math.pow(10, -(total + 2.35) / 4)) < 1e-9);
  t.match(formatSummary(sum), /^Perplexity including OOVs:\t\d+\.\d{4}\nPerplexity excluding OOVs:\t\d+\.\d{4}\nOOVs:\t1\nTokens:\t5\n$/);
});

t.test('stream mode: context flows across lines, one </s> at the end', async (t) => {
  const m = await model();
  const sc = new PplScorer(m, 'stream');
  const a = sc.document(['a']);
  const b = sc.document(['b']);
  const end = sc.finish();
  t.same(a.map((x) => x.ngramLength), [2]);
  t.same(b.map((x) => [x.token, x.ngramLength]), [['b', 3]], 'b sees <s> a across the line break');
  t.same(end.map((x) => x.token), ['</s>']);
  t.equal(sc.summary().tokens, 3);
});

t.test('nextDistribution of a model read from ARPA: <s> excluded, back-off applied', async (t) => {
  const m = await model();
  const v = m.vocab;
  const d = m.nextDistribution([v.bosId, v.id('a')]);
  t.equal(d[v.bosId], 0);
  t.ok(Math.abs(d[v.id('b')] - Math.pow(10, -0.1)) < 1e-12);
  t.ok(Math.abs(d[v.id('a')] - Math.pow(10, -0.05 - 0.1 - 0.7)) < 1e-12);
});

t.test('ppl stage in a pipeline: document scores (with token scores) out, summary on the scorer', async (t) => {
  const { pipeline } = await import('node:stream/promises');
  const { pplStage } = await import('../src/ngram/ppl-stage.js');
  type Doc = import('../src/ngram/ppl-stage.js').DocumentScore;
  const m = await model();
  const stage = pplStage(m, 'sentence', { perToken: true });
  const got: string[] = [];
  const docs: Doc[] = [];
  await pipeline(Readable.from(['a b', [['zzz']]]), stage, async (src: AsyncIterable<Doc[]>) => {
    for await (const batch of src) for (const d of batch) { docs.push(d); for (const s of d.scores!) got.push(`${s.token}/${s.ngramLength}`); }
  });
  t.same(got, ['a/2', 'b/3', '</s>/2', 'zzz/1', '</s>/1']);
  t.same(docs.map((d) => [d.doc, d.tokens, d.oovs]), [[1, 3, 0], [2, 2, 1]]);
  t.ok(Math.abs(docs[0].log10 - docs[0].scores!.reduce((a, s) => a + s.log10, 0)) < 1e-12);
  t.ok(Math.abs(docs[0].ppl - Math.pow(10, -docs[0].log10 / 3)) < 1e-9);
  t.equal(stage.scorer.summary().tokens, 5);
  t.equal(stage.scorer.summary().oovs, 1);
});

t.test('a literal <unk> in training text is an ordinary word; a test <unk> scores as it, unseen words as <unk>', async (t) => {
  const { buildModelFromCorpus } = await import('../src/ngram/build.js');
  const { UNK_WORD } = await import('../src/ngram/corpus.js');
  const train = ['a <unk> b', '<unk> b c a', 'b <unk> a c'];
  for (const mode of ['sentence', 'stream'] as const) {
    const lit = await buildModelFromCorpus(train, { order: 3, mode, unk: 'word' });
    // the same corpus with the literal token renamed by hand
    const ren = await buildModelFromCorpus(train.map((l) => l.replace(/<unk>/g, 'UNKWORD')), { order: 3, mode });
    t.ok(lit.vocab.has(UNK_WORD), 'the model holds the word <unk-word>');
    t.equal(lit.vocab.size, ren.vocab.size);
    const test = ['a <unk> b zzz', '<unk> c <unk> a'];
    const s1 = new PplScorer(lit, mode);
    const s2 = new PplScorer(ren, mode);
    const r1 = test.flatMap((l) => s1.document(l.split(' ')));
    const r2 = test.flatMap((l) => s2.document(l.replace(/<unk>/g, 'UNKWORD').split(' ')));
    r1.push(...s1.finish());
    r2.push(...s2.finish());
    t.equal(r1.length, r2.length);
    r1.forEach((x, i) => {
      t.ok(Math.abs(x.log10 - r2[i].log10) < 1e-12, `${mode} ${x.token}: ${x.log10} = ${r2[i].log10}`);
      t.equal(x.ngramLength, r2[i].ngramLength);
    });
    t.same(r1.map((x) => x.oov), r1.map((x) => x.token === 'zzz'), 'only the unseen word is an OOV');
    // the unseen word gets the model's <unk> (leftover mass), far below the trained <unk>
    const z = r1.find((x) => x.token === 'zzz')!;
    t.ok(z.log10 < r1.find((x) => x.token === '<unk>')!.log10 - 0.5);
    t.equal(s1.summary().oovs, 1);
    t.ok(Math.abs(s1.summary().pplIncludingOovs - s2.summary().pplIncludingOovs) < 1e-9);
  }
});

t.test('zeroprobs: tokens of probability 0 are counted apart and left out of the perplexities', async (t) => {
  const { buildModelFromCorpus } = await import('../src/ngram/build.js');
  const m = await buildModelFromCorpus(['a b', 'a b', 'b a'], { order: 2, smoothing: 'mle' });
  const sc = new PplScorer(m, 'sentence');
  const r = [...sc.document(['a', 'b', 'b']), ...sc.document(['a', 'zzz'])];
  // P(a|<s>) = 2/3, P(b|a) = 2/3, P(b|b) = 0, P(</s>|b) = 2/3; P(a|<s>) = 2/3, P(<unk>|a) = 0, P(</s>) = 3/9 (history <unk> unseen)
  const want = [2 / 3, 2 / 3, 0, 2 / 3, 2 / 3, 0, 1 / 3];
  t.equal(r.length, want.length);
  r.forEach((x, i) => {
    if (want[i] === 0) t.equal(x.log10, -Infinity, `${x.token} has probability 0`);
    else t.ok(Math.abs(x.log10 - Math.log10(want[i])) < 1e-12, `${x.token}: ${x.log10}`);
  });
  t.same(r.map((x) => x.zeroprob), want.map((p) => p === 0));
  t.same(r.map((x) => x.oov), [false, false, false, false, false, true, false]);
  const s = sc.summary();
  t.equal(s.tokens, 7);
  t.equal(s.oovs, 1);
  t.equal(s.zeroprobs, 2);
  const total = 4 * Math.log10(2 / 3) + Math.log10(1 / 3);
  t.ok(Math.abs(s.log10Total - total) < 1e-12);
  // 5 scored tokens in both (the OOV is a zeroprob: out of each denominator once)
  t.ok(Math.abs(s.pplIncludingOovs - Math.pow(10, -total / 5)) < 1e-9);
  t.ok(Math.abs(s.pplExcludingOovs - Math.pow(10, -total / 5)) < 1e-9);
  t.match(formatSummary(s), /^Perplexity including OOVs:\t[\d.]+\nPerplexity excluding OOVs:\t[\d.]+\nOOVs:\t1\nZeroprobs:\t2\nTokens:\t7\n$/);
  // a model read from ARPA: -99 probabilities and back-offs are zeros, same scores
  const parts: Buffer[] = [];
  const { buildArpaFromCorpus } = await import('../src/ngram/build.js');
  await buildArpaFromCorpus(['a b', 'a b', 'b a'], { order: 2, smoothing: 'mle', out: { async write(b) { parts.push(Buffer.from(b)); } } });
  const text = Buffer.concat(parts).toString('utf8');
  t.match(text, /-99/);
  const am = new ArpaModel(await readArpa(Readable.from([text]), 'mle.arpa'));
  const sa = new PplScorer(am, 'sentence');
  const ra = [...sa.document(['a', 'b', 'b']), ...sa.document(['a', 'zzz'])];
  ra.forEach((x, i) => t.ok(x.log10 === r[i].log10 || Math.abs(x.log10 - r[i].log10) < 1e-6, `ARPA ${x.token}: ${x.log10}`));
  t.equal(sa.summary().zeroprobs, 2);
  const d = am.nextDistribution([am.vocab.id('b')]);
  t.ok(Math.abs(d.reduce((x, y) => x + y, 0) - 1) < 1e-6, 'distribution after b sums to 1');
  t.equal(d[am.vocab.id('b')], 0);
});
