import t from 'tap';
import { writeFixed, formatLog10, writeArpa, type ByteSink } from '../src/ngram/arpa-write.js';
import { Xoshiro128 } from '../src/util/random.js';

/**
 * The number writer before its integer fast path (a verbatim copy): the
 * reference the fast writer must agree with byte for byte.
 */
function referenceFixed(x: number): string {
  if (x === -Infinity) return '-99';
  let v = Math.round(Math.abs(x) * 1e8);
  if (!Number.isFinite(v) || v > 9e15) return String(x);
  if (v === 0) return '0';
  let s = x < 0 ? '-' : '';
  let ip = Math.floor(v / 1e8);
  let fp = v - ip * 1e8;
  const digits: number[] = [];
  do { digits.push(ip % 10); ip = Math.floor(ip / 10); } while (ip > 0);
  s += digits.reverse().join('');
  if (fp > 0) {
    let width = 8;
    while (fp % 10 === 0) { fp /= 10; width--; }
    const d: number[] = [];
    for (let i = width - 1; i >= 0; i--) { d[i] = fp % 10; fp = Math.floor(fp / 10); }
    s += '.' + d.join('');
  }
  v = 0;
  return s;
}

const buf = Buffer.alloc(64);
function fast(x: number): string {
  const n = writeFixed(buf, 3, x);
  return buf.toString('latin1', 3, n);
}

t.test('writeFixed: edge values', async (t) => {
  const edge = [
    0, -0, 1, -1, 2, -2, -99, 99, -Infinity, Infinity, NaN, 0.5, -0.5,
    5e-9, -5e-9, 4.999999e-9, -4.999999e-9, 5.000001e-9, 1e-8, -1e-8, 1.5e-8, 9.99999999, -9.999999995,
    10, -10, 10.00000001, -19.99999999, 21.47483647, -21.47483647, 21.474836475, -21.474836485, 21.4748365, -21.5, 22,
    99.123456789, -123456.78901234, 1e7, -1e7, 9e7, -9e7 + 1e-8, 89999999.99999999, 90000000, 9e7 + 0.5, 1e12, -1e20, 1e300,
    Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, Number.EPSILON,
    -0.30103, -0.123456789012, -0.000000015, -0.000000025, -1.000000005, -0.99999999, -0.999999995, -0.9999999949999,
    Math.log10(0.5), Math.log10(1 / 3), Math.log10(1e-7), -7.3, -0.1, -0.2, -0.3, -0.7,
  ];
  for (const x of edge) t.equal(fast(x), referenceFixed(x), `x = ${x}`);
  t.equal(fast(-0.123456789012), '-0.12345679');
  t.equal(fast(-2), '-2');
  t.equal(fast(-0), '0');
  t.equal(fast(-Infinity), '-99');
  t.equal(fast(-21.474836475), '-21.47483648');
  t.equal(fast(-10.5), '-10.5');
  t.equal(formatLog10(-0.30103), '-0.30103');
  t.equal(formatLog10(NaN), 'nan');
});

t.test('writeFixed agrees with the reference on 1.5 million random values', async (t) => {
  const rng = new Xoshiro128(20261202);
  let bad = 0;
  const firstBad: string[] = [];
  const check = (x: number) => {
    const a = fast(x);
    const b = referenceFixed(x);
    if (a !== b) { bad++; if (firstBad.length < 5) firstBad.push(`${x}: ${a} vs ${b}`); }
  };
  for (let i = 0; i < 250_000; i++) {
    // log10 probabilities and back-offs: uniform in [-25, 1]
    check(rng.random() * -26 + 1);
    // magnitudes over many scales, both signs
    const m = Math.pow(10, rng.random() * 24 - 12) * (rng.random() < 0.5 ? -1 : 1);
    check(m);
    // values at and next to the rounding points k/1e8 and (k + 1/2)/1e8
    const k = Math.floor(rng.random() * 3e9);
    const half = (k + 0.5) / 1e8;
    check(-half);
    check(-(k / 1e8));
    check(-(half + (rng.random() - 0.5) * 1e-15));
    // whole numbers and few decimals (trailing zeros dropped)
    check(-Math.floor(rng.random() * 1e6) / [1, 10, 100, 1e4, 1e7][i % 5]);
  }
  t.equal(bad, 0, firstBad.join('; '));
});

t.test('writeArpa: the ids of each line, a back-off only where it is a number', async (t) => {
  const parts: Buffer[] = [];
  const sink: ByteSink = { async write(b) { parts.push(Buffer.from(b)); } };
  const tokens = ['<unk>', '<s>', '</s>', 'a', 'ü'];
  // a 2-gram block by end index (the corpus layout) and a 1-gram block by rows
  const words = new Uint32Array([0, 1, 3, 4, 2]);
  await writeArpa(sink, tokens, [5, 3], [
    { order: 1, n: 5, words: new Uint32Array([0, 1, 2, 3, 4]), ends: null, log10p: new Float64Array([-1, -99, -0.5, -0.25, -0.125]), log10bo: new Float64Array([0, -0.3, NaN, -Infinity, 0.000000004]) },
    { order: 2, n: 3, words, ends: new Uint32Array([2, 3, 4]), log10p: new Float64Array([-0.1, -0.2, -0.30000001]), log10bo: null },
  ]);
  t.equal(Buffer.concat(parts).toString('utf8'), [
    '\\data\\', 'ngram 1=5', 'ngram 2=3', '',
    '\\1-grams:', '-1\t<unk>\t0', '-99\t<s>\t-0.3', '-0.5\t</s>', '-0.25\ta\t-99', '-0.125\tü\t0', '',
    '\\2-grams:', '-0.1\t<s> a', '-0.2\ta ü', '-0.30000001\tü </s>', '',
    '\\end\\', '',
  ].join('\n'));
});

t.test('writeArpa: lines past one output chunk (4 MiB) and a sink error', async (t) => {
  const n = 300_000;
  const tokens = ['<unk>', '<s>', '</s>', 'x'.repeat(20)];
  const ids = new Uint32Array(n).fill(3);
  const log10p = new Float64Array(n).fill(-1.23456789);
  let bytes = 0;
  let chunks = 0;
  await writeArpa({ async write(b) { bytes += b.length; chunks++; } }, tokens, [n], [{ order: 1, n, words: ids, ends: null, log10p, log10bo: null }]);
  const line = '-1.23456789\t' + 'x'.repeat(20) + '\n';
  t.equal(bytes, '\\data\\\nngram 1=300000\n\n\\1-grams:\n'.length + n * line.length + '\n\\end\\\n'.length);
  t.ok(chunks >= 2, `${chunks} chunks`);
  // a sink that releases its chunks reads each one only after a delay: the writer must not refill it before
  const parts: Buffer[] = [];
  const slow: ByteSink = { releases: true, async write(b) { await new Promise((r) => setTimeout(r, 5)); parts.push(Buffer.from(b)); } };
  const words = Uint32Array.from({ length: n }, (_, i) => 3 + (i % 2));
  const tokens2 = [...tokens, 'y'.repeat(19)];
  await writeArpa(slow, tokens2, [n], [{ order: 1, n, words, ends: null, log10p, log10bo: null }]);
  const text = Buffer.concat(parts).toString('latin1');
  const lines = text.split('\n');
  t.equal(lines.length, 4 + n + 3);
  let wrong = 0;
  for (let i = 0; i < n; i++) if (lines[4 + i] !== `-1.23456789\t${i % 2 ? 'y'.repeat(19) : 'x'.repeat(20)}`) wrong++;
  t.equal(wrong, 0, 'every line intact');
  let calls = 0;
  const failing: ByteSink = { async write() { calls++; throw Object.assign(new Error('disk full'), { code: 'ENOSPC' }); } };
  await t.rejects(writeArpa(failing, tokens, [n], [{ order: 1, n, words: ids, ends: null, log10p, log10bo: null }]), /disk full/);
  t.equal(calls, 1, 'no write after the failed one');
});
