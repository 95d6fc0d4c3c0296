/**
 * Backpressure: 50 MB of text, generated on the fly, flows through
 * text reader → whitespace tokenizer → encode into a slow consumer. What is in
 * flight (bytes produced by the source but not yet consumed as ids) must stay
 * bounded by the stages' buffers, far below the input size, and no stage may
 * hold more than its high-water mark plus one chunk's worth.
 */
import t from 'tap';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { textReader } from '../src/io/text-reader.js';
import { whitespaceTokenizer } from '../src/text/tokenize-whitespace.js';
import { encode } from '../src/vocab/encode.js';
import { Vocabulary } from '../src/vocab/vocabulary.js';

const TOTAL = 50 * 1024 * 1024;
const WORD = 20; // every token is 20 letters, followed by a space or a newline
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'].map((w) => w.repeat(5).slice(0, WORD));
const vocab = Vocabulary.fromTokens(WORDS);

function source(): Readable & { produced: number } {
  // one 64 KiB block of lines of 10 tokens, repeated; produced on demand only
  const line = Array.from({ length: 10 }, (_, i) => WORDS[i % WORDS.length]).join(' ') + '\n';
  const block = Buffer.from(line.repeat(Math.floor(65536 / line.length)));
  const r = new Readable({
    read() {
      if (r.produced >= TOTAL) { this.push(null); return; }
      r.produced += block.length;
      this.push(block);
    },
  }) as Readable & { produced: number };
  r.produced = 0;
  return r;
}

t.test('50 MB through read → tokenize → encode into a slow consumer stays bounded', async (t) => {
  const src = source();
  const stages: Transform[] = [textReader(), whitespaceTokenizer(), encode(vocab, { chunkSize: 4096 })];
  let ids = 0;
  let chunks = 0;
  let maxInFlight = 0;
  const maxBuffered = stages.map(() => ({ readable: 0, writable: 0 }));
  const sink = new Writable({
    objectMode: true,
    highWaterMark: 1,
    write(chunk: Int32Array, _e, cb) {
      ids += chunk.length;
      chunks++;
      // bytes the source produced that have not reached the consumer yet
      maxInFlight = Math.max(maxInFlight, src.produced - ids * (WORD + 1));
      stages.forEach((s, i) => {
        maxBuffered[i].readable = Math.max(maxBuffered[i].readable, s.readableLength);
        maxBuffered[i].writable = Math.max(maxBuffered[i].writable, s.writableLength);
      });
      if (chunks % 4 === 0) setTimeout(cb, 1); // slow: a timer every few chunks
      else setImmediate(cb);
    },
  });
  await pipeline(src, ...(stages as [Transform, Transform, Transform]), sink);
  const lines = src.produced / (10 * (WORD + 1));
  t.equal(ids, lines * 10, 'every token arrived');
  t.ok(src.produced >= TOTAL, `${src.produced} bytes went through`);
  t.ok(maxInFlight < 4 * 1024 * 1024, `at most ${(maxInFlight / 1e6).toFixed(2)} MB in flight (of ${(TOTAL / 1e6).toFixed(0)} MB)`);
  // object-mode buffers hold at most about their high-water mark (16) plus the
  // records of one input chunk; the byte side at most one source chunk
  t.ok(maxBuffered[0].writable <= 65536 * 2, `text reader input buffer ≤ 2 chunks (${maxBuffered[0].writable} bytes)`);
  for (let i = 0; i < stages.length; i++) {
    t.ok(maxBuffered[i].readable <= 16 + 65536 / (10 * (WORD + 1)) + 1, `stage ${i} output buffer bounded (${maxBuffered[i].readable} records)`);
  }
  t.ok(maxBuffered[2].writable <= 16, `encode input buffer bounded (${maxBuffered[2].writable} records)`);
});
