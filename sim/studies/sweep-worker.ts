// A worker thread of a sweep: claims jobs from the counter it shares with the other
// threads, writes each run's tables and answers with the run's summary row; it ends
// when nothing is left to claim. Started as compiled JavaScript, or from the sources
// through worker-entry.js (sweep-run.ts chooses).
import { parentPort, workerData } from 'node:worker_threads';
import { claimJob, outcomeOf, type WorkerMessage, type WorkerStart } from './sweep-run.js';

const { jobs, claims } = workerData as WorkerStart;
const counter = new Int32Array(claims);
const say = (m: WorkerMessage) => parentPort?.postMessage(m);
for (let job = claimJob(jobs, counter); job; job = claimJob(jobs, counter)) say(await outcomeOf(job));
