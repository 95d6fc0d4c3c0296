import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { KenlmIdReader } from '../src/text/kenlm-ids.js';
import { ByteIndex } from '../src/vocab/byte-index.js';
import { LineSplitter } from '../src/io/lines.js';
import { tokenizeKenlm } from '../src/text/tokenize-kenlm.js';
import { buildArpaFromCorpus } from '../src/ngram/build.js';
import { HashedArpaReader, readArpa, readArpaHashed } from '../src/ngram/arpa-read.js';
import { ArpaModel } from '../src/ngram/arpa-model.js';
import { HashedModel } from '../src/ngram/hashed-model.js';
import { PplScorer } from '../src/ngram/ppl.js';
import { BytePpl } from '../src/ngram/ppl-bytes.js';
import { documentScore, type DocumentScore } from '../src/ngram/ppl-stage.js';
import { root } from './helpers/cli.js';

const enc = new TextEncoder();
const VOCAB = ['<unk>', '<s>', '</s>', 'a', 'b', 'é', 'x\uFFFDy', '\uFEFFa', 'ab', '\u00a0'];

function index(tokens: string[]): ByteIndex {
  return ByteIndex.fromLines(enc.encode(tokens.map((w) => w + '\n').join(''))).index;
}

/** lines of ids as the text path gives them: LineSplitter, the kenlm tokenizer, the string vocabulary */
function textPath(bytes: Uint8Array, tokens: string[]): number[][] {
  const sp = new LineSplitter();
  const out: number[][] = [];
  const emit = (l: string) => { out.push(tokenizeKenlm(l).map((w) => tokens.indexOf(w))); };
  sp.push(Buffer.from(bytes), emit);
  sp.end(emit);
  return out;
}

function bytePath(bytes: Uint8Array, tokens: string[], cuts: number[], opts = {}): number[][] {
  const out: number[][] = [];
  const r = new KenlmIdReader(index(tokens), (ids, n) => { out.push([...ids.subarray(0, n)]); }, opts);
  let at = 0;
  for (const c of [...cuts, bytes.length]) { r.push(bytes.subarray(at, c)); at = c; }
  r.end();
  return out;
}

const CASES: (string | number[])[] = [
  'a b\nb a\n', 'a b', '', '\n', '\n\n', 'a\r\nb\r\n', 'a\rb\r', 'a\r', '\r', 'a\0b\tb  a\n',
  '\uFEFFa b\n', '\uFEFF', '\uFEFF\uFEFFa', 'é x\uFFFDy é\n', 'ab a b ab\n', 'a\u00a0b \u00a0 \n', 'zzz a qq\n\nb\n',
  [0xef, 0xbb, 0x61, 0x20, 0x61], [0xef, 0x20, 0x61], [0xef], [0xef, 0xbb], [0x78, 0xff, 0x79, 0x20, 0x61, 0x0a],
  [0x78, 0xe2, 0x82, 0x79, 0x0a], [0xc3, 0x0a, 0xa9], [0x78, 0x80, 0x79],
];

t.test('KenlmIdReader: the lines and token ids of the text path, for every cut of the input', async (t) => {
  let checked = 0;
  for (const c of CASES) {
    const bytes = typeof c === 'string' ? enc.encode(c) : Uint8Array.from(c);
    const want = textPath(bytes, VOCAB);
    t.same(bytePath(bytes, VOCAB, []), want, `one chunk: ${JSON.stringify(c)}`);
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const got = bytePath(bytes, VOCAB, [i, j]);
        if (JSON.stringify(got) !== JSON.stringify(want)) t.fail(`${JSON.stringify(c)} cut at ${i}, ${j}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
        checked++;
      }
    }
  }
  t.ok(checked > 500, `${checked} cuts`);
  t.same(textPath(enc.encode('\uFEFFa é\n'), VOCAB), [[3, 5]], 'the mark is dropped, é found');
  t.same(textPath(Uint8Array.from([0x78, 0xff, 0x79]), VOCAB), [[6]], 'invalid UTF-8 decodes to the vocabulary word x\uFFFDy');
});

t.test('KenlmIdReader: the long-line guard', async (t) => {
  const bytes = enc.encode('a b\naaaa bbbb a\nb\r\n');
  t.throws(() => bytePath(bytes, VOCAB, [], { maxLineLength: 5, source: 'in.txt' }), /^in\.txt: line 2 is longer than 5 bytes/);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const warnings: string[] = [];
    const got = bytePath(bytes, VOCAB, [cut], { maxLineLength: 5, onLongLine: 'skip', source: 'in.txt', warn: (m: string) => warnings.push(m) });
    if (JSON.stringify(got) !== '[[3,4],[4]]' || warnings.length !== 1) t.fail(`cut ${cut}: ${JSON.stringify(got)} ${warnings}`);
  }
  t.same(bytePath(enc.encode('abcd\r\n'), VOCAB, [], { maxLineLength: 4 }), [[-1]], 'a final CR is not counted');
  t.pass('skip at every cut');
});

t.test('BytePpl: the totals and per-line records of PplScorer, sentence and stream mode', async (t) => {
  const train = readFileSync(path.join(root, 'fixtures/brown/tiny/train.txt'));
  const test = readFileSync(path.join(root, 'fixtures/brown/tiny/test.txt'), 'utf8');
  const text = test + 'zzz the <unk> qqq\n\n   \nthe\t\tthe\r\n<s> </s> the';
  for (const order of [1, 2, 3, 5]) {
    const reader = new HashedArpaReader('the built model');
    await buildArpaFromCorpus(Readable.from([train]), { order, out: reader.sink() });
    const model = new HashedModel(reader.end());
    t.equal(model.closed && model.prefixClosed, true, 'a Kneser-Ney model is suffix- and prefix-closed');
    // read without the closure checks: flags false, every order looked up, the same numbers
    const plain = new HashedArpaReader('the built model', false);
    await buildArpaFromCorpus(Readable.from([train]), { order, out: plain.sink() });
    const unchecked = new HashedModel(plain.end());
    t.equal(unchecked.closed || unchecked.prefixClosed, false);
    for (const mode of ['sentence', 'stream'] as const) {
      const ref = new PplScorer(model, mode);
      const want: DocumentScore[] = [];
      const sp = new LineSplitter();
      const emit = (l: string) => { want.push(documentScore(want.length + 1, ref.document(tokenizeKenlm(l)), false)); };
      sp.push(Buffer.from(text), emit);
      sp.end(emit);
      const fin = ref.finish();
      if (fin.length > 0) want.push(documentScore(0, fin, false));
      const got: DocumentScore[] = [];
      const bp = new BytePpl(model, mode, (d) => got.push(d));
      const bytes = Buffer.from(text);
      const r = bp.input();
      r.push(bytes.subarray(0, 1000));
      r.push(bytes.subarray(1000));
      r.end();
      bp.finish();
      t.same(got, want, `order ${order}, ${mode}: per-line records`);
      t.same(bp.scorer.summary(), ref.summary(), `order ${order}, ${mode}: totals`);
      const got2: DocumentScore[] = [];
      const bp2 = new BytePpl(unchecked, mode, (d) => got2.push(d));
      const r2 = bp2.input();
      r2.push(bytes);
      r2.end();
      bp2.finish();
      t.same(got2, want, `order ${order}, ${mode}: the same records without the closure flags`);
      // the model arriving after part of the input was read (the lines wait as ids)
      const got3: DocumentScore[] = [];
      const bp3 = new BytePpl(model.byteIndex(), mode, (d) => got3.push(d));
      const r3 = bp3.input();
      r3.push(bytes.subarray(0, 1500));
      t.equal(got3.length, 0, 'nothing scored before the model');
      t.ok(bp3.queuedIds > 0);
      bp3.setModel(model);
      r3.push(bytes.subarray(1500));
      r3.end();
      bp3.finish();
      t.same(got3, want, `order ${order}, ${mode}: the same records with the model set late`);
    }
  }
});

// "a b a" is listed without its suffix "b a" (not closed); "b a b" without its prefix "b a" (not prefix-closed)
const ODD = `\\data\\
ngram 1=5
ngram 2=4
ngram 3=2

\\1-grams:
-99\t<s>\t-0.30103
-0.69897\t</s>
-0.52287875\ta\t-0.1
-0.52287875\tb\t0.2
-1.5\t<unk>

\\2-grams:
-0.25\t<s> a\t-0.05
-0.4\ta b\t-0.125
-0.30103\tb </s>
-0.2\t<s> b\t-0.3

\\3-grams:
-0.1\ta b a
-0.15\tb a b
\\end\\
`;

t.test('BytePpl on models that are not closed: the numbers of PplScorer on the ARPA model', async (t) => {
  for (const arpa of [ODD, ODD.replace('ngram 3=2', 'ngram 3=1').replace('-0.15\tb a b\n', ''), ODD.replace('ngram 3=2', 'ngram 3=1').replace('-0.1\ta b a\n', '')]) {
    const data = await readArpaHashed(Readable.from([arpa]));
    const model = new HashedModel(data);
    const arpaModel = new ArpaModel(await readArpa(Readable.from([arpa])));
    let s = 3;
    const rnd = (n: number) => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return (s >>> 8) % n; };
    const words = ['a', 'b', 'a', 'b', '<s>', '</s>', 'zz', '<unk>'];
    let text = '';
    for (let i = 0; i < 300; i++) text += Array.from({ length: rnd(9) }, () => words[rnd(words.length)]).join(' ') + '\n';
    for (const mode of ['sentence', 'stream'] as const) {
      const ref = new PplScorer(arpaModel, mode);
      const want: DocumentScore[] = [];
      for (const l of text.split('\n').slice(0, -1)) want.push(documentScore(want.length + 1, ref.document(tokenizeKenlm(l)), false));
      const fin = ref.finish();
      if (fin.length > 0) want.push(documentScore(0, fin, false));
      const got: DocumentScore[] = [];
      const bp = new BytePpl(model, mode, (d) => got.push(d));
      const r = bp.input();
      r.push(Buffer.from(text));
      r.end();
      bp.finish();
      t.same(got, want, `closed ${data.closed}, prefix-closed ${data.prefixClosed}, ${mode}: per-line records`);
      t.same(bp.scorer.summary(), ref.summary(), `${mode}: totals`);
    }
  }
});
