#!/usr/bin/env node
/** `cat corpus | train-stream --model KIND [options] --out PATH`: the one training entry point. */
import { runMain } from './common.js';

await runMain('train-stream', async () => {
  const mod = await import('../../pipelines/train-stream.js');
  return mod.main(process.argv.slice(2));
});
