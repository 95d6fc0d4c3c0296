// Kneser-Ney built in bounded memory (src/ngram/stream-kn.ts) and the
// external record sort under it (src/ngram/ext-sort.ts): caps of a few KB force
// many runs and multi-pass merges; the ARPA file must equal the in-memory
// build byte for byte, and the spill directory must be gone afterwards.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import { buildArpaFromCorpus, type NgramBuildOptions } from '../src/ngram/build.js';
import type { ByteSink } from '../src/ngram/arpa-write.js';
import { ExternalSorter } from '../src/ngram/ext-sort.js';
import { SortThread } from '../src/ngram/sort-thread.js';
import { Mulberry32 } from '../src/util/random.js';

/** a corpus of `lines` lines over a Zipf-like vocabulary of 300 words, some lines empty */
function corpus(lines: number, seed: number): string {
  const r = new Mulberry32(seed);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const n = r.int(12);
    const ws: string[] = [];
    for (let j = 0; j < n; j++) ws.push(`w${Math.floor(300 * r.next() ** 3)}`);
    out.push(ws.join(' '));
  }
  return out.join('\n') + '\n';
}

function chunks(text: string): Readable {
  const b = Buffer.from(text);
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += 1000) parts.push(b.subarray(i, i + 1000));
  return Readable.from(parts);
}

async function arpa(text: string, o: NgramBuildOptions): Promise<string> {
  const bufs: Buffer[] = [];
  const sink: ByteSink = { write: async (b) => { bufs.push(Buffer.from(b)); } };
  await buildArpaFromCorpus(chunks(text), { ...o, out: sink });
  return Buffer.concat(bufs).toString('utf8');
}

t.test('tiny caps: many runs and merges give the in-memory ARPA, byte for byte', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lmstream-stream-kn-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const text = corpus(600, 7);
  const cases: [number, Partial<NgramBuildOptions>][] = [
    [1, {}], [2, {}], [3, {}], [5, {}],
    [3, { mode: 'stream' }], [4, { mode: 'stream', prune: true }],
    [3, { smoothing: 'kn' }], [4, { prune: true }], [4, { smoothing: 'kn', mode: 'stream' }],
  ];
  for (const [order, extra] of cases) {
    const o: NgramBuildOptions = { order, warn: () => {}, ...extra };
    const whole = await arpa(text, o);
    const logs: string[] = [];
    const bounded = await arpa(text, { ...o, memory: 4096, tempDir: dir, log: (m) => logs.push(m) });
    const name = `order ${order} ${JSON.stringify(extra)}`;
    t.ok(whole === bounded, `${name}: same bytes (${whole.length})`);
    // the same in one thread (runs sorted and lines formatted here, not in the sort worker)
    t.ok(whole === (await arpa(text, { ...o, memory: 4096, tempDir: dir, threads: false })), `${name}: same bytes in one thread`);
    const runs = Number(/(\d+) sorted runs?/.exec(logs.join('\n'))?.[1]);
    t.ok(runs > 2, `${name}: the count spilled ${runs} runs`);
    t.match(logs.join('\n'), order > 1 ? /pass context 2: .*\n[^]*pass write 1: / : /pass write 1: /, `${name}: progress per pass`);
    t.same(await readdir(dir), [], `${name}: no file left in the temp directory`);
  }
  // the counts in the header are those of the corpus
  t.match(await arpa('a b\na b c\n', { order: 2, memory: 4096, tempDir: dir }), /^\\data\\\nngram 1=6\nngram 2=5\n/);
});

t.test('progress: a meter per pass, each ending at its total; the summary names every pass with its time and peak RSS', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lmstream-stream-kn-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const text = corpus(600, 7);
  const seen: { label: string; total: number | undefined; unit: string; last: number; cleared: boolean }[] = [];
  const meters = (label: string, total: number | undefined, unit: string) => {
    const m = { label, total, unit, last: 0, cleared: false };
    seen.push(m);
    return { update: (d: number) => { m.last = d; }, clear: () => { m.cleared = true; } };
  };
  const logs: string[] = [];
  const bufs: Buffer[] = [];
  const r = await buildArpaFromCorpus(chunks(text), {
    order: 3, memory: 4096, tempDir: dir, warn: () => {}, log: (m) => logs.push(m), meters, totalBytes: Buffer.byteLength(text),
    out: { write: async (b) => { bufs.push(Buffer.from(b)); } },
  });
  t.same(seen.map((m) => `${m.label} ${m.unit}`), ['count bytes', 'adjust n-grams', 'context 2 records', 'context 3 records', 'write 2 lines', 'write 3 lines']);
  for (const m of seen) {
    t.equal(m.last, m.total, `${m.label}: ends at its total`);
    t.ok(m.cleared, `${m.label}: its bar is removed before the pass's line`);
  }
  t.equal(seen[0].total, Buffer.byteLength(text));
  t.equal(seen[4].total, r.counts[1]);
  t.equal(seen[5].total, r.counts[2]);
  const sum = logs.find((l) => l.startsWith('passes'));
  t.match(sum, /^passes \(time, peak RSS\): count [\d.]+ s \d+ MB, adjust [\d.]+ s \d+ MB, context 2 [\d.]+ s \d+ MB, context 3 [\d.]+ s \d+ MB, write 1 [\d.]+ s \d+ MB, write 2 [\d.]+ s \d+ MB, write 3 [\d.]+ s \d+ MB; total [\d.]+ s, peak RSS \d+ MB$/);
});

t.test('a literal <unk> and a corpus read in one part', async (t) => {
  const text = corpus(200, 3).replace(/\bw1\b/g, '<unk>');
  const o: NgramBuildOptions = { order: 3, warn: () => {} };
  t.ok((await arpa(text, o)) === (await arpa(text, { ...o, memory: 1 << 24 })), 'same bytes');
  t.match(await arpa(text, { ...o, memory: 4096 }), /\t<unk-word>\t/);
});

t.test('an error while reading removes the spill directory', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lmstream-stream-kn-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  async function* failing(): AsyncGenerator<Buffer> {
    yield Buffer.from(corpus(500, 1));
    throw new Error('disk went away');
  }
  const src = Readable.from(failing());
  await t.rejects(buildArpaFromCorpus(src, { order: 3, memory: 4096, tempDir: dir, out: { write: async () => {} } }), /disk went away/);
  t.same(await readdir(dir), []);
  await t.rejects(buildArpaFromCorpus(Readable.from(['']), { order: 3, memory: 4096, tempDir: dir, out: { write: async () => {} } }), /empty corpus/);
  t.same(await readdir(dir), []);
});

t.test('external sort: context order, combining, multi-pass merges', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'lmstream-ext-sort-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const r = new Mulberry32(5);
  const n = 5000;
  const recs: number[][] = [];
  for (let i = 0; i < n; i++) recs.push([r.int(7), r.int(7), r.int(7), 1 + r.int(3)]);
  const want = new Map<string, number>();
  for (const x of recs) {
    const k = `${x[1]} ${x[2]} ${x[0]}`;
    want.set(k, (want.get(k) ?? 0) + x[3]);
  }
  const expected = [...want.keys()].sort().map((k) => {
    const [b, c, a] = k.split(' ');
    return `${a} ${b} ${c} ${want.get(k)}`;
  });
  // in this thread, and with the sort thread (runs sorted in the worker while the next buffer fills; shared blocks of 4 KB)
  const thread = SortThread.start(512);
  t.ok(thread, 'the sort worker is built');
  t.teardown(() => thread?.close());
  for (const th of [undefined, thread]) {
    const name = th ? 'sort thread' : 'one thread';
    // key order [1, 2, 0], counts in word 3 summed; 1 KB: runs of 64 records, merges of 2–3 runs at once
    const s = new ExternalSorter({ width: 4, order: [1, 2, 0], vocab: 7, combine: 3 }, 1024, dir, 'test', th);
    for (const x of recs) await s.push(Uint32Array.from(x), 0);
    t.ok(s.runs.length > 20, `${name}: ${s.runs.length} runs`);
    const got: string[] = [];
    for await (const ch of s.merged(3)) {
      for (let i = 0; i < ch.n; i++) got.push(Array.from(ch.buf.subarray(i * 4, i * 4 + 4)).join(' '));
    }
    t.same(got, expected, `${name}: sorted by words 1, 2, 0 with equal keys summed`);
    t.same(await readdir(dir), [], `${name}: runs removed once merged`);
  }
  // an error in the worker (its run file cannot be created) comes back with its code
  const bad = new ExternalSorter({ width: 4, order: [0], vocab: 7 }, 1024, path.join(dir, 'missing'), 'bad', thread);
  await t.rejects((async () => { for (const x of recs) await bad.push(Uint32Array.from(x), 0); await bad.release(); })(), { code: 'ENOENT' });
  // everything in memory: no file at all
  const m = new ExternalSorter({ width: 2, order: [0], vocab: 10 }, 1 << 20, dir, 'mem');
  for (const v of [5, 3, 9, 3]) await m.push(Uint32Array.from([v, 0]), 0);
  const vals: number[] = [];
  for await (const ch of m.merged()) for (let i = 0; i < ch.n; i++) vals.push(ch.buf[i * 2]);
  t.same(vals, [3, 3, 5, 9]);
  t.same(await readdir(dir), []);
});
