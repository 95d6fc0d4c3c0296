/**
 * ARPA reader (SRILM / KenLM text format).
 *
 * Input: the bytes of an ARPA file (a Readable or an async iterable of
 * Buffers/strings). Output: `ArpaData` (unigram tokens in file order, counts,
 * one packed block per order), ready for `ArpaModel` or the writer.
 *
 * Accepted: blank lines and `#` comments before `\data\`, `ngram k=n` lines, sections
 * `\k-grams:` holding exactly n lines `log10p w1 … wk [log10bo]` (fields
 * separated by tabs or spaces), blank lines between sections, `\end\`.
 * Anything else raises an Error "NAME:LINE: what is wrong".
 */
import { lines } from './lines.js';
import type { ArpaData } from './arpa-model.js';
import type { ArpaBlock } from './arpa-write.js';

const FIELD = /[ \t]+/;

function parseNum(s: string, what: string, fail: (m: string) => never): number {
  const v = Number(s);
  if (s === '' || !Number.isFinite(v)) fail(`${what} '${s}' is not a number`);
  return v;
}

export async function readArpa(src: AsyncIterable<Buffer | string>, name = 'ARPA file'): Promise<ArpaData> {
  let lineNo = 0;
  const fail = (m: string): never => {
    throw new Error(`${name}:${lineNo}: ${m}`);
  };
  const it = lines(src)[Symbol.asyncIterator]();
  const next = async (): Promise<string | undefined> => {
    const r = await it.next();
    if (r.done) return undefined;
    lineNo++;
    return r.value;
  };
  // header
  let line: string | undefined;
  for (;;) {
    line = await next();
    if (line === undefined) { lineNo = Math.max(lineNo, 1); fail('not an ARPA file (no \\data\\ line)'); }
    const tl = line!.trim();
    if (tl === '\\data\\') break;
    if (tl !== '' && !tl.startsWith('#')) fail(`not an ARPA file (expected \\data\\, found '${tl.slice(0, 40)}')`);
  }
  const counts: number[] = [];
  for (;;) {
    line = await next();
    if (line === undefined) fail('unexpected end of file in the \\data\\ header');
    const t = line!.trim();
    if (t === '') { if (counts.length > 0) break; continue; }
    const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(t);
    if (!m) fail(`expected "ngram N=COUNT", found '${t.slice(0, 60)}'`);
    const k = Number(m![1]);
    if (k !== counts.length + 1) fail(`expected ngram ${counts.length + 1}=…, found order ${k}`);
    counts.push(Number(m![2]));
  }
  if (counts.length > 10) fail(`order ${counts.length} is above the maximum 10`);
  const index = new Map<string, number>();
  const tokens: string[] = [];
  const blocks: ArpaBlock[] = [];
  for (let k = 1; k <= counts.length; k++) {
    do {
      line = await next();
      if (line === undefined) fail(`unexpected end of file: expected \\${k}-grams:`);
    } while (line!.trim() === '');
    if (line!.trim() !== `\\${k}-grams:`) fail(`expected \\${k}-grams:, found '${line!.trim().slice(0, 60)}'`);
    const n = counts[k - 1];
    const words = new Uint32Array(n * k);
    const log10p = new Float64Array(n);
    const log10bo = new Float64Array(n).fill(NaN);
    let anyBo = false;
    for (let i = 0; i < n; i++) {
      line = await next();
      if (line === undefined) fail(`unexpected end of file: ${i} of ${n} ${k}-grams read`);
      const f = line!.trim().split(FIELD);
      if (f.length === 1 && f[0] === '') fail(`blank line: ${i} of ${n} ${k}-grams read (header count wrong?)`);
      if (f.length !== k + 1 && f.length !== k + 2) fail(`expected a log10 probability, ${k} word${k > 1 ? 's' : ''} and an optional back-off, found ${f.length} fields`);
      log10p[i] = parseNum(f[0], 'probability', fail);
      if (log10p[i] > 0) fail(`log10 probability ${f[0]} is above 0`);
      for (let j = 0; j < k; j++) {
        const w = f[j + 1];
        let id = index.get(w);
        if (id === undefined) {
          if (k > 1) fail(`word '${w}' is not among the unigrams`);
          id = tokens.length;
          index.set(w, id);
          tokens.push(w);
        } else if (k === 1) fail(`unigram '${w}' is listed twice`);
        words[i * k + j] = id;
      }
      if (f.length === k + 2) {
        log10bo[i] = parseNum(f[k + 1], 'back-off', fail);
        anyBo = true;
      }
    }
    blocks.push({ order: k, n, words, ends: null, log10p, log10bo: anyBo ? log10bo : null });
  }
  do {
    line = await next();
    if (line === undefined) fail('unexpected end of file: expected \\end\\');
  } while (line!.trim() === '');
  if (line!.trim() !== '\\end\\') fail(`expected \\end\\, found '${line!.trim().slice(0, 60)}' (more entries than the header says?)`);
  return { tokens, counts, blocks };
}

/** Read an ARPA file into a queryable model (errors name the file and line). */
export async function loadArpaModel(file: string): Promise<import('./arpa-model.js').ArpaModel> {
  const { createReadStream } = await import('node:fs');
  const { ArpaModel } = await import('./arpa-model.js');
  return new ArpaModel(await readArpa(createReadStream(file), file));
}
