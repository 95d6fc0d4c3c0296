import t from 'tap';
import { spawnSync } from 'node:child_process';
import { compareCodePoints } from '../src/text/code-point-order.js';
import { mergeSortedCounts } from '../src/ngram/merge.js';
import { lmstream } from './helpers/cli.js';

async function* from(lines: string[]): AsyncGenerator<string> { yield* lines; }
async function all(g: AsyncIterable<string>): Promise<string> { let s = ''; for await (const c of g) s += c; return s; }

t.test('compareCodePoints is UTF-8 byte order', async (t) => {
  const alphabet = ['a', 'z', '\t', ' ', 'é', '\u00a0', '！', '\uffff', '\ue000', '😀', '𝔸', '\ud7ff', '中'];
  let seed = 3;
  const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
  let bad = 0;
  for (let k = 0; k < 3000; k++) {
    const w = () => Array.from({ length: 1 + rnd(4) }, () => alphabet[rnd(alphabet.length)]).join('');
    const a = w();
    const b = w();
    const want = Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
    if (Math.sign(compareCodePoints(a, b)) !== want) bad++;
  }
  t.equal(bad, 0, '3000 random pairs agree with Buffer.compare');
  t.ok('😀' < '！', 'UTF-16 order puts the emoji first');
  t.ok(compareCodePoints('！', '😀') < 0, 'byte order puts it last');
});

t.test('merge --sorted accepts LC_ALL=C-sorted input with ！ and 😀', async (t) => {
  const a = ['x！\t2', 'x😀\t1', '😀\t3'];
  const b = ['x！\t1', '！\t1', '😀\t2'];
  const out = await all(mergeSortedCounts([{ name: 'a', lines: from(a) }, { name: 'b', lines: from(b) }]));
  t.equal(out, 'x！\t3\nx😀\t1\n！\t1\n😀\t5\n');
  await t.rejects(all(mergeSortedCounts([{ name: 'c', lines: from(['😀\t1', '！\t1']) }])), { message: /^c:2: not sorted/ }, 'JS order is not byte order');
  const text = '！ 😀 a\n😀 ！\na ！\n';
  const counts = lmstream(['ngram', 'count', '--order', '2'], text);
  const sorted = spawnSync('sort', [], { input: counts.stdout, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).stdout;
  const r = lmstream(['ngram', 'merge', '--sorted'], sorted);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, sorted, 'the CLI: sort output passes through unchanged');
  const mem = lmstream(['ngram', 'count', '--order', '2', '--memory', '1M'], text);
  t.equal(mem.code, 0, mem.stderr);
});
