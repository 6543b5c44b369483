import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SummaryRow } from '../metrics/summary.js';
import { writeTables } from '../metrics/write.js';
import { runScenario } from '../run.js';
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
  const result = runScenario(checkScenario(job.scenario, job.base), { seed: job.seed });
  writeTables(job.dir, result.tables);
  return result.summary;
}

export const defaultWorkers = (): number => availableParallelism();

/**
 * Run a sweep's runs, in-process with one worker, else on worker threads that each take
 * the next run when free. Results do not depend on the number of workers: each run is
 * a value of its scenario and seed. Returns summary rows keyed by run id.
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
  if (workers <= 1 || jobs.length <= 1) {
    for (const job of jobs) {
      results.set(job.id, executeRun(job));
      onDone?.(results.size, jobs.length);
    }
    return results;
  }
  const url = new URL('./worker-entry.js', import.meta.url);
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    const pool: Worker[] = [];
    let failed = false;
    const finish = (err?: Error) => {
      for (const w of pool) void w.terminate();
      if (err) reject(err);
      else resolve();
    };
    const feed = (w: Worker) => {
      const job = jobs[next++];
      if (job) w.postMessage(job);
      else if (results.size === jobs.length) finish();
    };
    for (let i = 0; i < Math.min(workers, jobs.length); i++) {
      const w = new Worker(url);
      pool.push(w);
      w.on('message', (m: { id: string; summary?: SummaryRow; error?: string }) => {
        if (failed) return;
        if (m.error !== undefined || !m.summary) {
          failed = true;
          finish(new Error(`run ${m.id}: ${m.error}`));
          return;
        }
        results.set(m.id, m.summary);
        onDone?.(results.size, jobs.length);
        feed(w);
      });
      w.on('error', (err) => {
        if (!failed) {
          failed = true;
          finish(err);
        }
      });
      feed(w);
    }
  });
  return results;
}
