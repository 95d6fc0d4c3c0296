/**
 * metrics-lines: records → JSON lines (for `--metrics FILE` or a pipe).
 *
 * Input: any JSON-serialisable record. Output: string chunks, one line each.
 */
import { Transform } from 'node:stream';

export function createMetricsLines(): Transform {
  return new Transform({
    writableObjectMode: true,
    transform(rec, _enc, cb) {
      cb(null, JSON.stringify(rec) + '\n');
    },
  });
}
