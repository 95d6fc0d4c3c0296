/**
 * worker_thread entry of the sort thread (src/ngram/sort-thread.ts): does each
 * job it is sent, in order, and answers `{ id }` or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { errorReply, JobRunner, resultTransfer, type Job } from './sort-thread.js';

const port = parentPort!;
const runner = new JobRunner();
// one job at a time, in the order sent (a job may await: the ARPA writer's sink)
let queue = Promise.resolve();
port.on('message', (m: { id: number; job: Job }) => {
  queue = queue.then(async () => {
    try {
      const r = await runner.run(m.job);
      port.postMessage({ id: m.id, result: r }, resultTransfer(r));
    } catch (e) {
      port.postMessage(errorReply(m.id, e));
    }
  });
});
