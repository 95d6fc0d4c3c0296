/**
 * ARPA reader (SRILM / KenLM text format).
 *
 * Input: the bytes of an ARPA file (a Readable or an async iterable of
 * Buffers/strings). Output: `ArpaData` (unigram tokens in file order, counts,
 * one packed block per order), ready for `ArpaModel` or the writer.
 *
 * Accepted: blank lines and `#` comments before `\data\`, `ngram k=n` lines,
 * sections `\k-grams:` holding exactly n lines `log10p w1 … wk [log10bo]`
 * (fields separated by tabs or spaces), blank lines between sections,
 * `\end\`. A log10 probability or back-off of -99 or below (SRILM's
 * spelling of log10 0) or `-inf` is read as -Infinity (0). Anything else raises an Error "NAME:LINE: what is wrong".
 */
import { StringDecoder } from 'node:string_decoder';
import type { ArpaData } from './arpa-model.js';
import type { ArpaBlock } from './arpa-write.js';

type State = 'preamble' | 'header' | 'section' | 'entries' | 'end' | 'done';

/** Incremental parser: feed lines, then `finish()`. */
export class ArpaParser {
  private state: State = 'preamble';
  private lineNo = 0;
  private readonly counts: number[] = [];
  private readonly index = new Map<string, number>();
  private readonly tokens: string[] = [];
  private readonly blocks: ArpaBlock[] = [];
  private k = 0;
  private i = 0;
  private cur: { words: Uint32Array; log10p: Float64Array; log10bo: Float64Array; anyBo: boolean } | null = null;
  private readonly fields: string[] = [];

  constructor(readonly name = 'ARPA file') {}

  private fail(m: string): never {
    throw new Error(`${this.name}:${this.lineNo}: ${m}`);
  }

  private num(s: string, what: string): number {
    const v = +s;
    if (s === '' || (v !== v) || !Number.isFinite(v)) this.fail(`${what} '${s}' is not a number`);
    return v;
  }

  /** split on tabs and spaces into this.fields; returns the field count */
  private split(line: string): number {
    const f = this.fields;
    let n = 0;
    let start = -1;
    const L = line.length;
    for (let i = 0; i <= L; i++) {
      const c = i < L ? line.charCodeAt(i) : 32;
      if (c === 32 || c === 9 || c === 13) {
        if (start >= 0) { f[n++] = line.slice(start, i); start = -1; }
      } else if (start < 0) start = i;
    }
    return n;
  }

  /**
   * The common layout "p<TAB>w1 w2 … wk[<TAB>bo]" (single separators, no CR)
   * split with native indexOf; -1 for anything else (then `split` decides).
   */
  private fastSplit(line: string): number {
    const f = this.fields;
    const L = line.length;
    if (L === 0 || line.charCodeAt(L - 1) === 13) return -1;
    const t1 = line.indexOf('\t');
    if (t1 <= 0) return -1;
    f[0] = line.slice(0, t1);
    if (f[0].indexOf(' ') >= 0) return -1;
    const t2 = line.indexOf('\t', t1 + 1);
    const end = t2 < 0 ? L : t2;
    let n = 1;
    let s = t1 + 1;
    for (;;) {
      const sp = line.indexOf(' ', s);
      if (sp < 0 || sp >= end) {
        if (s >= end) return -1;
        f[n++] = line.slice(s, end);
        break;
      }
      if (sp === s) return -1;
      f[n++] = line.slice(s, sp);
      s = sp + 1;
    }
    if (t2 >= 0) {
      const bo = line.slice(t2 + 1);
      if (bo === '' || bo.indexOf('\t') >= 0 || bo.indexOf(' ') >= 0) return -1;
      f[n++] = bo;
    }
    return n;
  }

  private openSection(): void {
    const n = this.counts[this.k - 1];
    this.cur = { words: new Uint32Array(n * this.k), log10p: new Float64Array(n), log10bo: new Float64Array(n).fill(NaN), anyBo: false };
    this.i = 0;
    this.state = n > 0 ? 'entries' : 'section';
    if (n === 0) this.closeSection();
  }

  private closeSection(): void {
    const c = this.cur!;
    this.blocks.push({ order: this.k, n: this.counts[this.k - 1], words: c.words, ends: null, log10p: c.log10p, log10bo: c.anyBo ? c.log10bo : null });
    this.cur = null;
    this.state = this.k === this.counts.length ? 'end' : 'section';
  }

  line(line: string): void {
    this.lineNo++;
    switch (this.state) {
      case 'entries': {
        const k = this.k;
        let n = this.fastSplit(line);
        if (n < 0) n = this.split(line);
        const f = this.fields;
        if (n === 0) this.fail(`blank line: ${this.i} of ${this.counts[k - 1]} ${k}-grams read (header count wrong?)`);
        if (n !== k + 1 && n !== k + 2) this.fail(`expected a log10 probability, ${k} word${k > 1 ? 's' : ''} and an optional back-off, found ${n} fields`);
        const c = this.cur!;
        const i = this.i;
        const p = f[0] === '-inf' || f[0] === '-Infinity' ? -Infinity : this.num(f[0], 'probability');
        if (p > 0) this.fail(`log10 probability ${f[0]} is above 0`);
        c.log10p[i] = p <= -99 ? -Infinity : p;
        for (let j = 0; j < k; j++) {
          const w = f[j + 1];
          let id = this.index.get(w);
          if (id === undefined) {
            if (k > 1) this.fail(`word '${w}' is not among the unigrams`);
            id = this.tokens.length;
            this.index.set(w, id);
            this.tokens.push(w);
          } else if (k === 1) this.fail(`unigram '${w}' is listed twice`);
          c.words[i * k + j] = id;
        }
        if (n === k + 2) {
          const bo = f[k + 1] === '-inf' || f[k + 1] === '-Infinity' ? -Infinity : this.num(f[k + 1], 'back-off');
          c.log10bo[i] = bo <= -99 ? -Infinity : bo;
          c.anyBo = true;
        }
        if (++this.i === this.counts[k - 1]) this.closeSection();
        return;
      }
      case 'preamble': {
        const t = line.trim();
        if (t === '\\data\\') this.state = 'header';
        else if (t !== '' && !t.startsWith('#')) this.fail(`not an ARPA file (expected \\data\\, found '${t.slice(0, 40)}')`);
        return;
      }
      case 'header': {
        const t = line.trim();
        if (t === '') { if (this.counts.length > 0) { this.state = 'section'; this.k = 0; } return; }
        if (t.startsWith('\\') && this.counts.length > 0) {
          this.state = 'section';
          this.k = 0;
          this.lineNo--;
          this.line(line);
          return;
        }
        const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(t);
        if (!m) this.fail(`expected "ngram N=COUNT", found '${t.slice(0, 60)}'`);
        const k = Number(m![1]);
        if (k !== this.counts.length + 1) this.fail(`expected ngram ${this.counts.length + 1}=…, found order ${k}`);
        if (k > 10) this.fail(`order ${k} is above the maximum 10`);
        this.counts.push(Number(m![2]));
        return;
      }
      case 'section': {
        const t = line.trim();
        if (t === '') return;
        if (t !== `\\${this.k + 1}-grams:`) this.fail(`expected \\${this.k + 1}-grams:, found '${t.slice(0, 60)}'`);
        this.k++;
        this.openSection();
        return;
      }
      case 'end': {
        const t = line.trim();
        if (t === '') return;
        if (t !== '\\end\\') this.fail(`expected \\end\\, found '${t.slice(0, 60)}' (more entries than the header says?)`);
        this.state = 'done';
        return;
      }
      case 'done':
        return;
    }
  }

  finish(): ArpaData {
    switch (this.state) {
      case 'preamble': this.lineNo = Math.max(1, this.lineNo); this.fail('not an ARPA file (no \\data\\ line)');
      // falls through (fail throws)
      case 'header': this.fail('unexpected end of file in the \\data\\ header');
      // falls through
      case 'section': this.fail(`unexpected end of file: expected \\${this.k + 1}-grams:`);
      // falls through
      case 'entries': this.fail(`unexpected end of file: ${this.i} of ${this.counts[this.k - 1]} ${this.k}-grams read`);
      // falls through
      case 'end': this.fail('unexpected end of file: expected \\end\\');
      // falls through
      default: return { tokens: this.tokens, counts: this.counts, blocks: this.blocks };
    }
  }
}

export async function readArpa(src: AsyncIterable<Buffer | string>, name = 'ARPA file'): Promise<ArpaData> {
  const parser = new ArpaParser(name);
  const dec = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of src) {
    const text = rest + (typeof chunk === 'string' ? chunk : dec.write(chunk));
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      parser.line(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += dec.end();
  if (rest.length > 0) parser.line(rest);
  return parser.finish();
}

/** Read an ARPA file into a queryable model (errors name the file and line). */
export async function loadArpaModel(file: string): Promise<import('./arpa-model.js').ArpaModel> {
  const { createReadStream } = await import('node:fs');
  const { ArpaModel } = await import('./arpa-model.js');
  return new ArpaModel(await readArpa(createReadStream(file, { highWaterMark: 1 << 20 }), file));
}
