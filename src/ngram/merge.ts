/**
 * Merge of sorted count files (an async generator: the reducer of a
 * map/reduce count). Constant memory.
 *
 * Input: several streams of count-file lines `n-gram<TAB>count`, each sorted
 * by `LC_ALL=C sort` (UTF-8 byte order, compared as code points:
 * compareCodePoints; equal n-grams adjacent). Output: count-file
 * lines in the same order with equal n-grams summed. An input out of order or
 * a malformed line raises an Error naming the input and line.
 */
import { compareCodePoints } from '../text/code-point-order.js';

export interface NamedLines {
  name: string;
  lines: AsyncIterable<string>;
}

interface Head {
  name: string;
  it: AsyncIterator<string>;
  lineNo: number;
  key: string;
  count: number;
  done: boolean;
}

export function parseCountLine(line: string, where: string): { key: string; count: number } {
  const tab = line.lastIndexOf('\t');
  if (tab <= 0) throw new Error(`${where}: expected "n-gram<TAB>count"`);
  const cs = line.slice(tab + 1).trim();
  const count = Number(cs);
  if (cs === '' || !Number.isInteger(count) || count < 0) throw new Error(`${where}: count '${cs}' is not a non-negative whole number`);
  const key = line.slice(0, tab);
  if (key.includes('\t')) throw new Error(`${where}: more than one tab`);
  return { key, count };
}

async function advance(h: Head): Promise<void> {
  for (;;) {
    const r = await h.it.next();
    if (r.done) { h.done = true; return; }
    h.lineNo++;
    if (r.value === '') continue;
    const { key, count } = parseCountLine(r.value, `${h.name}:${h.lineNo}`);
    if (h.lineNo > 1 && compareCodePoints(key + '\t', h.key + '\t') < 0) {
      throw new Error(`${h.name}:${h.lineNo}: not sorted ('${key}' after '${h.key}'); sort with LC_ALL=C sort, or merge without --sorted`);
    }
    h.key = key;
    h.count = count;
    return;
  }
}

export async function* mergeSortedCounts(inputs: NamedLines[]): AsyncGenerator<string> {
  const heads: Head[] = inputs.map((x) => ({ name: x.name, it: x.lines[Symbol.asyncIterator](), lineNo: 0, key: '', count: 0, done: false }));
  for (const h of heads) await advance(h);
  let buf = '';
  for (;;) {
    let min: string | undefined;
    for (const h of heads) if (!h.done && (min === undefined || compareCodePoints(h.key + '\t', min + '\t') < 0)) min = h.key;
    if (min === undefined) break;
    let sum = 0;
    for (const h of heads) {
      while (!h.done && h.key === min) {
        sum += h.count;
        await advance(h);
      }
    }
    if (sum > 0) buf += `${min}\t${sum}\n`;
    if (buf.length > 1 << 16) { yield buf; buf = ''; }
  }
  if (buf) yield buf;
}
