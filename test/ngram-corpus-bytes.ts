import t from 'tap';
import { CorpusEncoder, type PaddedCorpus } from '../src/ngram/corpus.js';
import { LineSplitter } from '../src/io/lines.js';
import { KenlmIdReader } from '../src/text/kenlm-ids.js';
import { ByteIndex } from '../src/vocab/byte-index.js';
import { readParts } from '../src/ngram/count-spill.js';
import { Xoshiro128 } from '../src/util/random.js';

const enc = new TextEncoder();

/** the text path: LineSplitter lines into addLine */
function byText(bytes: Uint8Array, order: number, mode: 'sentence' | 'stream', unkAsWord: boolean, warn: string[]): PaddedCorpus {
  const e = new CorpusEncoder(order, mode, 16, (m) => warn.push(m));
  e.unkAsWord = unkAsWord;
  const sp = new LineSplitter();
  const add = (l: string) => e.addLine(l);
  sp.push(Buffer.from(bytes), add);
  sp.end(add);
  return e.finish();
}

/** the byte path, the input cut at `cuts` */
function byBytes(bytes: Uint8Array, order: number, mode: 'sentence' | 'stream', unkAsWord: boolean, cuts: number[], warn: string[]): PaddedCorpus {
  const e = new CorpusEncoder(order, mode, 16, (m) => warn.push(m));
  e.unkAsWord = unkAsWord;
  const r = e.bytesReader();
  let at = 0;
  for (const c of [...cuts, bytes.length]) { r.push(bytes.subarray(at, c)); at = c; }
  r.end();
  return e.finish();
}

const same = (a: PaddedCorpus, b: PaddedCorpus) =>
  JSON.stringify([[...a.words], a.tokens, a.sentences, a.tokenCount]) === JSON.stringify([[...b.words], b.tokens, b.sentences, b.tokenCount]);

const CASES: (string | number[])[] = [
  'a b\nb a\n', 'a b', '', '\n', '\n\n', 'a\r\nb\r\n', 'a\rb\r', 'a\0b\tb  a\n', '\uFEFFa b\n', '\uFEFF\uFEFFa',
  'é x\uFFFDy é\n', 'a\u00a0b \u00a0 \n', 'x <s> y </s>\n<unk> z <unk>\n', '<s>\n', 'the cat\n the  cat \nthe dog\n',
  [0x78, 0xff, 0x79, 0x20, 0x78, 0xfe, 0x79, 0x0a, 0x78, 0xef, 0xbf, 0xbd, 0x79, 0x0a],
  [0xef, 0xbb, 0x61, 0x20, 0x61], [0x78, 0xe2, 0x82, 0x79, 0x0a], [0xc3, 0x0a, 0xa9], [0x78, 0x80, 0x79],
];

t.test('CorpusEncoder.bytesReader: the ids, tokens and counts of addLine, for every cut of the input', async (t) => {
  let checked = 0;
  for (const c of CASES) {
    const bytes = typeof c === 'string' ? enc.encode(c) : Uint8Array.from(c);
    for (const [order, mode, unk] of [[3, 'sentence', false], [2, 'stream', true], [1, 'sentence', true]] as const) {
      const w1: string[] = [];
      const want = byText(bytes, order, mode, unk, w1);
      const w2: string[] = [];
      t.ok(same(byBytes(bytes, order, mode, unk, [], w2), want), `${JSON.stringify(c)} order ${order} ${mode}`);
      t.same(w2, w1, 'the same warnings');
      for (let i = 0; i <= bytes.length; i++) {
        const got = byBytes(bytes, order, mode, unk, [i], []);
        if (!same(got, want)) t.fail(`${JSON.stringify(c)} cut at ${i}: ${[...got.words]} ≠ ${[...want.words]}`);
        checked++;
      }
    }
  }
  t.ok(checked > 300);
  // two invalid sequences that decode alike are one word (the string's)
  const p = byBytes(Uint8Array.from([0x78, 0xff, 0x79, 0x20, 0x78, 0xfe, 0x79]), 2, 'sentence', false, [], []);
  t.same(p.tokens.slice(3), ['x\uFFFDy']);
  t.same([...p.words], [0, 1, 1, 3, 3, 2]);
});

t.test('CorpusEncoder.bytesReader on a random corpus equals addLine', async (t) => {
  const rng = new Xoshiro128(11);
  const words = ['a', 'bb', 'ccc', 'é', '日本', '<unk>', 'x\u00a0y', 'z'];
  let text = '';
  for (let i = 0; i < 3000; i++) {
    const n = Math.floor(rng.random() * 8);
    const toks = Array.from({ length: n }, () => words[Math.floor(rng.random() * words.length)] + (rng.random() < 0.3 ? String(Math.floor(rng.random() * 500)) : ''));
    text += toks.join(rng.random() < 0.1 ? ' \t ' : ' ') + (rng.random() < 0.1 ? '\r\n' : '\n');
  }
  const bytes = enc.encode(text);
  const want = byText(bytes, 4, 'sentence', true, []);
  const cuts: number[] = [];
  for (let at = 0; at < bytes.length; at += 1 + Math.floor(rng.random() * 5000)) cuts.push(at);
  t.ok(same(byBytes(bytes, 4, 'sentence', true, cuts, []), want));
  t.ok(want.tokens.length > 1000);
});

t.test('readParts: parts end after the line that fills them, whatever the chunk size', async (t) => {
  const lines = Array.from({ length: 400 }, (_, i) => `w${i % 37} v${i % 11} u${i % 5}`);
  const text = lines.join('\n') + '\n';
  const run = async (chunks: Buffer[]) => {
    const e = new CorpusEncoder(3, 'sentence');
    const parts: number[] = [];
    const last = await readParts((async function* () { yield* chunks; })(), e, 200, async (p) => { parts.push(p.sentences); });
    parts.push(last!.sentences);
    return parts;
  };
  const one = await run([Buffer.from(text)]);
  t.ok(one.length > 5, `${one.length} parts from one chunk`);
  t.equal(one.reduce((a, b) => a + b, 0), 400);
  const small: Buffer[] = [];
  for (let i = 0; i < text.length; i += 7) small.push(Buffer.from(text.slice(i, i + 7)));
  t.same(await run(small), one, 'the same parts from 7-byte chunks');
});

t.test('KenlmIdReader: stop after a line, onMissing gives new ids', async (t) => {
  const seen: number[][] = [];
  const index = new ByteIndex();
  const r = new KenlmIdReader(index, (ids, n) => { seen.push([...ids.subarray(0, n)]); r.stop = seen.length === 1; });
  r.onMissing = (b, s, e) => index.add(b, s, e);
  const b = enc.encode('a b\nb c\na\n');
  const took = r.push(b);
  t.equal(took, 4, 'stopped after the first line');
  t.equal(r.push(b.subarray(took)), b.length - took);
  r.end();
  t.same(seen, [[0, 1], [1, 2], [0]]);
  t.equal(r.lines, 3);
});
