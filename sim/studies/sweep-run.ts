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
 * A run's expected cost, to hand out the longest runs first: its expected requests
 * (rate × duration) when the scenario states them, else 0 (kept in grid order).
 */
export function expectedRequests(scenario: unknown): number {
  const s = scenario as { duration_s?: unknown; workload?: { arrivals?: { rate_per_s?: unknown } } };
  const rate = s.workload?.arrivals?.rate_per_s;
  return typeof rate === 'number' && typeof s.duration_s === 'number' ? rate * s.duration_s : 0;
}

/**
 * Run a sweep's runs: with one worker, in this thread; with N, on N worker threads,
 * each given the next run as soon as it answers (this thread only hands out work: if
 * it ran jobs too, it would hear the threads only between its own runs and leave them
 * idle). Runs go out longest first (by expected requests), so that the last to finish
 * are short. Results do not depend on the number of workers: each run is a value of
 * its scenario and seed. Returns summary rows keyed by run id.
 */
export async function executeRuns(
  runs: readonly SweepRun[],
  base: string,
  runsDir: string,
  workers: number,
  onDone?: (done: number, total: number) => void,
): Promise<Map<string, SummaryRow>> {
  const results = new Map<string, SummaryRow>();
  const jobs: RunJob[] = runs
    .map((r) => ({ id: r.id, scenario: r.scenario, base, seed: r.seed, dir: join(runsDir, r.id) }))
    .sort((a, b) => expectedRequests(b.scenario) - expectedRequests(a.scenario));
  let next = 0;
  const record = (id: string, summary: SummaryRow) => {
    results.set(id, summary);
    onDone?.(results.size, jobs.length);
  };
  const threads = workers > 1 ? Math.min(workers, jobs.length) : 0;
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
    // Without threads, this thread runs everything.
    if (threads === 0) {
      for (const job of jobs) record(job.id, executeRun(job));
    }
    check();
    await allDone;
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  if (failure) throw failure;
  return results;
}
