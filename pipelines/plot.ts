/**
 * `lmstream plot METRICS.jsonl [-o loss.svg]`: the training curves of a run
 * as a standalone SVG.
 *
 *   metrics file → lines (src/io/lines.ts) → MetricsCollector (src/plot/metrics.ts)
 *   → lossChart (src/plot/loss-chart.ts) → FILE (atomic) or stdout
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { num, parseCommand, str, UsageError, UserError } from '../src/cli/common.js';
import { atomicWriteFile } from '../src/util/atomic-write.js';
import { lineBatches } from '../src/io/lines.js';
import { MetricsCollector } from '../src/plot/metrics.js';
import { lossChart } from '../src/plot/loss-chart.js';

export const HELP = `usage: lmstream plot METRICS.jsonl [-o loss.svg]

Draws the training loss per step and the validation loss per evaluation (left
axis in nats, right axis in perplexity) against steps, and the learning rate
below, as a standalone SVG that a browser or a README shows. METRICS.jsonl is
the file train-stream writes (--metrics, or metrics.jsonl in its --out
directory). Long runs are drawn with the means of equal groups of steps.

options:
  -o, --out FILE    write the SVG to FILE (default: stdout)
  --title TEXT      title above the chart (default: the metrics file's name)
  --width PX        width in pixels (default 800)
  --height PX       height in pixels (default 520)
  --points N        most points per curve (default 1000)
`;

const OPTIONS = {
  out: { type: 'string', short: 'o' }, title: { type: 'string' }, width: { type: 'string' }, height: { type: 'string' },
  points: { type: 'string' },
} as const;

export async function main(argv: string[]): Promise<number> {
  const p = parseCommand(argv, OPTIONS, HELP);
  if (!p) return 0;
  if (p.positionals.length !== 1) throw new UsageError('plot: name one metrics file (METRICS.jsonl)');
  const file = p.positionals[0];
  const width = num(p, 'width', 800, { min: 200, max: 10000, integer: true });
  const height = num(p, 'height', 520, { min: 200, max: 10000, integer: true });
  const points = num(p, 'points', 1000, { min: 2, integer: true });
  const out = str(p, 'out');

  const c = new MetricsCollector(Math.ceil(points / 2));
  let lineNo = 0;
  try {
    for await (const batch of lineBatches(createReadStream(file), { source: file })) {
      for (const l of batch) c.addLine(l, `${file}:${++lineNo}`);
    }
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new UserError(`${file}: no such file or directory`);
    if (err.code === 'EISDIR') throw new UserError(`${file}: is a directory (name its metrics.jsonl)`);
    throw new UserError(err.message);
  }
  const series = c.result();
  if (series.train.length === 0 && series.valid.length === 0) {
    throw new UserError(`${file}: no training records (step or epoch lines) in ${lineNo} lines`);
  }
  const svg = lossChart(series, { title: str(p, 'title', path.basename(file)), width, height });
  if (out === undefined || out === '-') {
    process.stdout.write(svg);
  } else {
    await atomicWriteFile(out, svg);
    process.stderr.write(`plot: ${out} (${series.train.length} training points, ${series.valid.length} validation points)\n`);
  }
  return 0;
}
