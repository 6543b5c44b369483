// A worker thread of a sweep: runs the jobs its parent sends, writes each run's tables
// and answers with the run's summary row. Loaded through tsx's loader (execArgv).
import { parentPort } from 'node:worker_threads';
import { executeRun, type RunJob } from './sweep-run.js';

parentPort?.on('message', (job: RunJob) => {
  try {
    parentPort?.postMessage({ id: job.id, summary: executeRun(job) });
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: (err as Error).message });
  }
});
