import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SummaryRow } from '../metrics/summary.js';
import { runScenarioToFolder } from '../run-to-folder.js';
import { checkScenario } from '../scenario/index.js';
import type { SweepRun } from './sweep.js';

/** What a worker needs to do one run (plain data: it crosses a thread boundary). */
export interface RunJob {
  id: string;
  scenario: unknown;
  base: string;
  seed: number;
  dir: string;
}

/** Check, run and write one run of a sweep; its summary row. */
export function executeRun(job: RunJob): SummaryRow {
  return runScenarioToFolder(checkScenario(job.scenario, job.base), job.dir, { seed: job.seed }).summary;
}

export const defaultWorkers = (): number => availableParallelism();

/**
 * Run a sweep's runs: with one worker, in this thread; with N, here and on N − 1
 * worker threads, each taking the next run when free (the main thread does not idle
 * while the threads load their modules). Results do not depend on the number of
 * workers: each run is a value of its scenario and seed. Returns summary rows keyed by
 * run id.
 */
export async function executeRuns(
  runs: readonly SweepRun[],
  base: string,
  runsDir: string,
  workers: number,
  onDone?: (done: number, total: number) => void,
): Promise<Map<string, SummaryRow>> {
  const results = new Map<string, SummaryRow>();
  const jobs: RunJob[] = runs.map((r) => ({ id: r.id, scenario: r.scenario, base, seed: r.seed, dir: join(runsDir, r.id) }));
  let next = 0;
  const record = (id: string, summary: SummaryRow) => {
    results.set(id, summary);
    onDone?.(results.size, jobs.length);
  };
  const threads = Math.min(workers - 1, jobs.length - 1);
  const pool: Worker[] = [];
  let failure: Error | undefined;
  let settle: (() => void) | undefined;
  const allDone = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const check = () => {
    if (failure || results.size === jobs.length) settle?.();
  };
  const feed = (w: Worker) => {
    const job = jobs[next++];
    if (job) w.postMessage(job);
  };
  for (let i = 0; i < threads; i++) {
    const w = new Worker(new URL('./worker-entry.js', import.meta.url));
    pool.push(w);
    w.on('message', (m: { id: string; summary?: SummaryRow; error?: string }) => {
      if (m.error !== undefined || !m.summary) failure ??= new Error(`run ${m.id}: ${m.error}`);
      else record(m.id, m.summary);
      if (!failure) feed(w);
      check();
    });
    w.on('error', (err) => {
      failure ??= err;
      check();
    });
    feed(w);
  }
  try {
    // This thread works too, yielding between runs so the threads' answers are heard.
    while (!failure && next < jobs.length) {
      const job = jobs[next++] as RunJob;
      record(job.id, executeRun(job));
      if (threads > 0) await new Promise((r) => setImmediate(r));
    }
    check();
    await allDone;
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  if (failure) throw failure;
  return results;
}
