/**
 * batches: the minibatches of one epoch, rebuilt from the id cache
 * (composition of stages, not a stage itself).
 *
 * Output: `Batch` — WindowBatch for mlp (window stage), SeqBatch for the
 * recurrent models (lanes stage: sentenceLanes over the documents, or
 * streamLanes with random access to the cache in stream mode). For mlp the
 * examples can be shuffled within a bounded buffer (shuffle stage), with a
 * seed derived from the run's seed and the epoch. `startBatch`
 * skips the batches already trained (resume): streamLanes computes its
 * position directly, the others replay and drop.
 */
import { Readable } from 'node:stream';
import type { Arch, Batch } from '../neural/api.js';
import type { MarkerMode } from '../types.js';
import type { IdCache } from './id-cache.js';
import { windowBatches } from './window.js';
import { sentenceLanes, streamLanes } from './lanes.js';
import { skipRecords } from './skip.js';
import { shuffleWindows } from './shuffle.js';
import { epochSeed } from '../util/random.js';

export interface BatchSpec {
  arch: Arch;
  mode: MarkerMode;
  batch: number;
  bptt: number;
  /** mlp: n of the window */
  order: number;
  startBatch?: number;
  bosId?: number;
  /** recurrent, sentence mode: pack the documents back to back (streamLanes, `<s>` targets masked) */
  pack?: boolean;
  /** mlp: shuffle examples within this many batches (0 = corpus order) */
  shuffle?: number;
  /** seed of the shuffle (`epochSeed` of the run's seed and the epoch) */
  shuffleSeed?: number;
}


/** Number of tokens that are prediction targets in a split (progress, estimates). */
export function targetCount(cache: IdCache, mode: MarkerMode): number {
  return mode === 'sentence' ? cache.tokens - cache.docs : cache.tokens;
}

export async function* epochBatches(cache: IdCache, spec: BatchSpec): AsyncGenerator<Batch> {
  const start = spec.startBatch ?? 0;
  if (spec.arch === 'mlp') {
    const ids = spec.mode === 'sentence' ? cache.documentIds() : cache.blockIds();
    const win = windowBatches({ order: spec.order, batch: spec.batch, mode: spec.mode, bosId: spec.bosId });
    const batches = spec.shuffle ? shuffleWindows({ buffer: spec.shuffle, seed: spec.shuffleSeed ?? 1 })(win(ids)) : win(ids);
    yield* skipRecords<Batch>(start)(batches);
  } else if (spec.mode === 'sentence' && !spec.pack) {
    const lanes = sentenceLanes({ batch: spec.batch, bptt: spec.bptt });
    yield* skipRecords<Batch>(start)(lanes(cache.documentIds()));
  } else {
    const src = await cache.source();
    try {
      yield* streamLanes(src, {
        batch: spec.batch, bptt: spec.bptt, startBatch: start, bosId: spec.bosId,
        maskTarget: spec.mode === 'sentence' ? spec.bosId ?? 1 : undefined,
      });
    } finally {
      await src.close();
    }
  }
}

/** `epochBatches` as a Readable that builds a few batches ahead of the trainer. */
export function epochBatchStream(cache: IdCache, spec: BatchSpec): Readable {
  return Readable.from(epochBatches(cache, spec), { objectMode: true, highWaterMark: 4 });
}
