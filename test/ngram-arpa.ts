import t from 'tap';
import { Readable } from 'node:stream';
import { buildModel, encodeCorpus } from '../src/ngram/build.js';
import { adjustCounts } from '../src/ngram/adjust.js';
import { estimateDiscounts, mknBlocks } from '../src/ngram/mkn.js';
import { writeArpa, formatLog10, type ByteSink } from '../src/ngram/arpa-write.js';
import { readArpa } from '../src/ngram/arpa-read.js';
import { ArpaModel } from '../src/ngram/arpa-model.js';

function memorySink(): ByteSink & { text(): string } {
  const parts: Buffer[] = [];
  return { async write(b) { parts.push(Buffer.from(b)); }, text: () => Buffer.concat(parts).toString('utf8') };
}

const text = ['the cat sat', 'the dog sat on the mat', 'a cat ran', 'the cat ran on the mat', 'über café sat'];

async function arpaText(order: number): Promise<string> {
  const p = await encodeCorpus(text, { order });
  const tab = adjustCounts(p, p.tokens.length);
  const d = estimateDiscounts(tab.countsOfCounts, { warn: () => {} });
  const sink = memorySink();
  await writeArpa(sink, p.tokens, tab.orders.map((o) => o.n), mknBlocks(tab, d));
  return sink.text();
}

t.test('ARPA round trip: write → read → write is byte-identical', async (t) => {
  for (const order of [1, 2, 3]) {
    const a = await arpaText(order);
    t.match(a, /^\\data\\\nngram 1=\d+\n/);
    t.match(a, /\\end\\\n$/);
    const data = await readArpa(Readable.from([a]), 'mem.arpa');
    t.equal(data.counts.length, order);
    const sink = memorySink();
    await writeArpa(sink, data.tokens, data.counts, data.blocks);
    t.equal(sink.text(), a, `order ${order}`);
  }
});

t.test('a model read from ARPA gives the in-memory model\'s probabilities', async (t) => {
  const a = await arpaText(3);
  const loaded = new ArpaModel(await readArpa(Readable.from([a]), 'mem.arpa'));
  const direct = buildModel(await encodeCorpus(text, { order: 3 }), { order: 3, warn: () => {} });
  const v = direct.vocab;
  const ids = (s: string) => s.split(' ').map((w) => v.id(w));
  for (const [ctx, w] of [['<s>', 'the'], ['the cat', 'sat'], ['cat sat', '</s>'], ['on the', 'mat'], ['dog', 'ran'], ['über', 'café'], ['mat', 'nothing']]) {
    const x = direct.logProb(ids(ctx), v.id(w));
    const lw = loaded.vocab.id(w);
    const y = loaded.logProb(ctx.split(' ').map((s) => loaded.vocab.id(s)), lw);
    t.ok(Math.abs(x.log10 - y.log10) < 2e-8, `${ctx} → ${w}: ${x.log10} vs ${y.log10}`);
    t.equal(x.ngramLength, y.ngramLength);
  }
});

t.test('values are written with 8 decimals, -99 for zero', async (t) => {
  t.equal(formatLog10(-0.123456789012), '-0.12345679');
  t.equal(formatLog10(-Infinity), '-99');
  t.equal(formatLog10(-0), '0');
  t.equal(formatLog10(-2), '-2');
});

const good = '\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1\t<unk>\t0\n0\t<s>\t-0.5\n-0.3\t</s>\t0\n\n\\2-grams:\n-0.1\t<s> </s>\n\n\\end\\\n';

t.test('the reader rejects malformed files with the line number', async (t) => {
  const bad = async (s: string) => readArpa(Readable.from([s]), 'm.arpa');
  await t.resolves(bad(good));
  await t.rejects(bad('hello\nworld\n'), /m\.arpa:1: not an ARPA file/);
  await t.rejects(bad(good.replace('ngram 2=1', 'ngram 2=x')), /m\.arpa:3: expected "ngram N=COUNT"/);
  await t.rejects(bad(good.replace('-0.3\t</s>\t0', '-0.3')), /m\.arpa:8: expected a log10 probability, 1 word/);
  await t.rejects(bad(good.replace('-0.1\t<s> </s>', '-0.1\t<s> zzz')), /m\.arpa:11: word 'zzz' is not among the unigrams/);
  await t.rejects(bad(good.replace('-0.1\t<s> </s>', 'abc\t<s> </s>')), /m\.arpa:11: probability 'abc' is not a number/);
  await t.rejects(bad(good.replace('\\end\\\n', '')), /unexpected end of file: expected \\end\\/);
  await t.rejects(bad(good.replace('ngram 1=3', 'ngram 1=4')), /m\.arpa:9: blank line: 3 of 4 1-grams read/);
});
