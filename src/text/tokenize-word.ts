/**
 * Word tokenizer: `Doc` (string) → `Tokens` (string[]); with
 * `{ batch: true }`, `RecordBatch<Doc>` → `RecordBatch<Tokens>`. Unicode-aware.
 *
 * Rules, applied to each whitespace-separated span of the text:
 * 1. URLs and e-mail addresses stay whole: a span that, once leading
 *    `( [ { < " '` and trailing `. , ; : ! ? ) ] } > " '` are set aside, starts
 *    with `scheme://` or `www.`, or has the form `local@domain.tld`, is one
 *    token (the set-aside punctuation becomes tokens by rule 5).
 * 2. Words are maximal runs of letters, digits and marks (\p{L} \p{N} \p{M}):
 *    `naïve`, `B52`, `東京`, `x²` are one token each.
 * 3. Inside a run these join, when between two word characters: a hyphen
 *    (`well-known`, `COVID-19`); `.` or `,` between two digits
 *    (`3.14`, `1,000`, `1,000.50`); an apostrophe (`'` or `’`) between two
 *    letters (`O'Neil`, `rock'n'roll`).
 * 4. Clitics split off as in the Penn Treebank: `'s 're 've 'll 'd 'm` at the
 *    end of a word become their own token (`John's` → `John 's`, possessive
 *    and contraction alike; `they're` → `they 're`), and `n't` likewise
 *    (`don't` → `do n't`, `can't` → `ca n't`). Case is kept.
 * 5. Every other character (punctuation, symbols, emoji) is a token of its
 *    own, except that a run of the same character is one token (`...`, `--`,
 *    `!!`). So an apostrophe not between letters is punctuation:
 *    `rock 'n' roll` → `rock ' n ' roll`, `students'` → `students '`.
 * Code points are never split (a surrogate pair stays whole). No case folding,
 * no normalization: the tokens concatenate back to the span's text.
 */
import { classOf, LETTER, DIGIT, NUMERIC } from './char-class.js';
import { recordStage, type BatchOption } from '../io/record-stage.js';
import type { Transform } from 'node:stream';

const HYPHEN = 0x2d;
const DOT = 0x2e;
const COMMA = 0x2c;
const APOS = 0x27;
const RSQUO = 0x2019;
const CLITICS = new Set(['s', 're', 've', 'll', 'd', 'm']);

const LEAD = new Set(['(', '[', '{', '<', '"', "'", '“', '‘']);
const TRAIL = new Set(['.', ',', ';', ':', '!', '?', ')', ']', '}', '>', '"', "'", '”', '’']);
const URL_RE = /^(?:[a-z][a-z0-9+.-]*:\/\/|www\.)[^\s]+$/i;
const EMAIL_RE = /^[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}$/u;

const isWord = (k: number) => k === LETTER || k === DIGIT || k === NUMERIC;

/** Pure: the word tokens of `text` (rules at the top of this file). */
export function tokenizeWord(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    // skip whitespace
    let c = text.charCodeAt(i);
    if (c === 32 || (c < 128 ? classOf(c) === 4 : classOf(text.codePointAt(i) as number) === 4)) {
      i += c > 0xffff ? 2 : 1;
      continue;
    }
    // span up to the next whitespace
    let j = i;
    let special = false;
    while (j < n) {
      c = text.charCodeAt(j);
      if (c < 128) {
        if (c === 32 || classOf(c) === 4) break;
        if (c === 0x40 || c === 0x3a || c === 0x2e) special = true; // @ : .
        j++;
      } else {
        const cp = text.codePointAt(j) as number;
        if (classOf(cp) === 4) break;
        j += cp > 0xffff ? 2 : 1;
      }
    }
    if (special) scanSpecial(text, i, j, out);
    else scanSpan(text, i, j, out);
    i = j;
  }
  return out;
}

/** A span that may hold a URL or an e-mail address (rule 1). */
function scanSpecial(text: string, a: number, b: number, out: string[]): void {
  let s = a;
  let e = b;
  while (s < e && LEAD.has(text[s])) s++;
  while (e > s && TRAIL.has(text[e - 1])) e--;
  if (e > s) {
    const core = text.slice(s, e);
    if (URL_RE.test(core) || (core.includes('@') && EMAIL_RE.test(core))) {
      scanSpan(text, a, s, out);
      out.push(core);
      scanSpan(text, e, b, out);
      return;
    }
  }
  scanSpan(text, a, b, out);
}

/** Tokens of text[a, b), a span without whitespace (rules 2–5). */
function scanSpan(text: string, a: number, b: number, out: string[]): void {
  let i = a;
  while (i < b) {
    const cp = text.codePointAt(i) as number;
    const w = cp > 0xffff ? 2 : 1;
    const k = classOf(cp);
    if (!isWord(k)) {
      // rule 5: a run of the same character
      let j = i + w;
      while (j < b && text.codePointAt(j) === cp) j += w;
      out.push(text.slice(i, j));
      i = j;
      continue;
    }
    // rules 2–4: a word run
    const start = i;
    let prevK = k;
    let j = i + w;
    while (j < b) {
      const c2 = text.codePointAt(j) as number;
      const w2 = c2 > 0xffff ? 2 : 1;
      const k2 = classOf(c2);
      if (isWord(k2)) { prevK = k2; j += w2; continue; }
      if (j + 1 >= b) break;
      const nextCp = text.codePointAt(j + 1) as number;
      const nextK = classOf(nextCp);
      if (c2 === HYPHEN && isWord(nextK)) { j++; continue; }
      if ((c2 === DOT || c2 === COMMA) && prevK === DIGIT && nextK === DIGIT) { j++; continue; }
      if ((c2 === APOS || c2 === RSQUO) && prevK === LETTER && nextK === LETTER) {
        // letters after the apostrophe
        let m = j + 1;
        while (m < b) {
          const c3 = text.codePointAt(m) as number;
          if (classOf(c3) !== LETTER) break;
          m += c3 > 0xffff ? 2 : 1;
        }
        const endsWord = m >= b || !isWord(classOf(text.codePointAt(m) as number));
        if (endsWord) {
          const suffix = text.slice(j + 1, m).toLowerCase();
          if (CLITICS.has(suffix)) {
            if (j > start) out.push(text.slice(start, j));
            out.push(text.slice(j, m));
            i = m;
            break;
          }
          if (suffix === 't' && j - 1 > start && (text.charCodeAt(j - 1) | 0x20) === 0x6e) {
            if (j - 1 > start) out.push(text.slice(start, j - 1));
            out.push(text.slice(j - 1, m));
            i = m;
            break;
          }
        }
        j = m;
        prevK = LETTER;
        continue;
      }
      break;
    }
    if (i >= j && i !== start) continue; // a clitic split ended the word
    out.push(text.slice(start, j));
    i = j;
  }
}

export type TokenizerStageOptions = BatchOption;

/** Stream stage applying `tokenizeWord` to each document. */
export function wordTokenizer(opts: TokenizerStageOptions = {}): Transform {
  return recordStage<string, string[]>(tokenizeWord, opts);
}

