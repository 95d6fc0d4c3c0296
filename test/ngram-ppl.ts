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

t.test('ppl stage in a pipeline: token scores out, summary on the scorer', async (t) => {
  const { pipeline } = await import('node:stream/promises');
  const { pplStage } = await import('../src/ngram/ppl-stage.js');
  const m = await model();
  const stage = pplStage(m, 'sentence');
  const got: string[] = [];
  await pipeline(Readable.from(['a b', 'zzz']), stage, async (src: AsyncIterable<{ token: string; ngramLength: number }>) => {
    for await (const s of src) got.push(`${s.token}/${s.ngramLength}`);
  });
  t.same(got, ['a/2', 'b/3', '</s>/2', 'zzz/1', '</s>/1']);
  t.equal(stage.scorer.summary().tokens, 5);
  t.equal(stage.scorer.summary().oovs, 1);
});
