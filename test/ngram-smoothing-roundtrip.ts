/**
 * The classic smoothings through the project's ARPA writer and reader
 * (src/ngram/build.ts, arpa-read.ts, arpa-model.ts): the model read back
 * gives the smoothed model's log10 P for every (context, word) of the tiny
 * fixture to 1e-7 (the file keeps 8 decimals), zero stays ≤ -90.
 */
import t from 'tap';
import { Readable, Writable } from 'node:stream';
import { buildArpaFromCounts } from '../src/ngram/build.js';
import { readArpa } from '../src/ngram/arpa-read.js';
import { ArpaModel } from '../src/ngram/arpa-model.js';
import { buildSmoothed } from '../src/ngram/smoothing/index.js';
import { countLines, readLines } from './helpers/ngram-fixture.js';

const tiny = readLines(new URL('../fixtures/ngram-smoothing/tiny.txt', import.meta.url).pathname);

async function arpaText(run: (out: Writable) => Promise<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  const out = new Writable({ write(c, _e, cb) { chunks.push(c as Buffer); cb(); } });
  await run(out);
  return Buffer.concat(chunks).toString('utf8');
}

for (const smoothing of ['mle', 'katz', 'witten-bell'] as const) {
  for (const mode of ['sentence', 'stream'] as const) {
    t.test(`${smoothing} ${mode}: ARPA written and read back gives the same model`, async (tt) => {
      const counts = countLines(tiny, 3, mode, undefined, true);
      const model = buildSmoothed(counts, smoothing); // the builder uses the default options
      const text = await arpaText((out) => buildArpaFromCounts(counts, { order: 3, smoothing, out }));
      tt.match(text, /^\\data\\\nngram 1=6\n/, 'header: every vocabulary id is a unigram');
      const back = new ArpaModel(await readArpa(Readable.from([text]), 'tiny.arpa'));
      tt.same(back.vocab.tokens, model.vocab.tokens);
      const V = model.vocab.size;
      let bad = 0;
      let n = 0;
      const ctxs: number[][] = [[]];
      for (let x = 0; x < V; x++) {
        ctxs.push([x]);
        for (let y = 0; y < V; y++) ctxs.push([x, y]);
      }
      for (const ctx of ctxs) {
        for (let w = 0; w < V; w++) {
          if (w === model.vocab.bosId) continue;
          const want = model.logProb(ctx, w).log10;
          const got = back.logProb(ctx, w).log10;
          n++;
          if (want === -Infinity ? !(got <= -90) : !(Math.abs(got - want) <= 1e-7)) bad++;
        }
      }
      tt.equal(bad, 0, `all ${n} log10 P agree`);
    });
  }
}
