import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { InvariantError } from '../engine/index.js';
import type { Summary } from '../metrics/summary-type.js';
import { removeOwnStaging } from '../metrics/staging.js';
import { runScenarioToFolderAsync } from '../run-to-folder.js';
import { checkScenario } from '../scenario/index.js';
import { fromThreadError, type ThreadError, toThreadError } from './thread-error.js';
import { scenarioOf, type SweepBase, type SweepRun, type SweepValue } from './sweep.js';

/**
 * What a worker needs to do one run (plain data: it crosses a thread boundary). Every
 * job of a sweep refers to the same `base` object, which structured cloning copies
 * once per thread, not once per job; the run's scenario is built when it runs, so a
 * million queued runs hold their grid values, not a million scenarios.
 */
export interface RunJob {
  id: string;
  base: SweepBase;
  values: Record<string, SweepValue>;
  seed: number;
  dir: string;
}

/**
 * Build, check, run and write one run of a sweep; its summary row. The run yields to the
 * event loop every few thousand events: on the main thread, that is when a signal can abort it.
 */
export async function executeRun(job: RunJob, signal?: AbortSignal): Promise<Summary> {
  const scenario = checkScenario(scenarioOf(job.base, job.values), job.base.file);
  return (await runScenarioToFolderAsync(scenario, job.dir, { seed: job.seed, signal })).summary;
}

export const defaultWorkers = (): number => availableParallelism();

/**
 * A run's expected cost, to hand out the longest runs first: its expected requests
 * (rate × duration) when the scenario states them, else 0 (kept in grid order). Read
 * from the point's values where they vary, else from the base, without building it.
 */
export function expectedRequests(base: SweepBase, values: Record<string, SweepValue>): number {
  const s = base.json as { duration_s?: unknown; workload?: { arrivals?: { rate_per_s?: unknown } } };
  const rate =
    'workload.arrivals.rate_per_s' in values
      ? values['workload.arrivals.rate_per_s']
      : s.workload?.arrivals?.rate_per_s;
  const duration = 'duration_s' in values ? values.duration_s : s.duration_s;
  return typeof rate === 'number' && typeof duration === 'number' ? rate * duration : 0;
}

/** What a worker thread is started with: every job, and the counter they are claimed by. */
export interface WorkerStart {
  jobs: RunJob[];
  /** Int32 [next job to claim, stop flag], shared by every thread of the sweep. */
  claims: SharedArrayBuffer;
}

/**
 * What a worker thread says: a run's summary, or what stopped it, its class kept
 * (thread-error.ts): an input error found inside a run still exits 2, a bug still 1.
 */
export type WorkerMessage = { id: string; summary: Summary } | { id: string; error: ThreadError };

/**
 * The worker thread's module. Compiled (dist/), it is plain JavaScript beside this file.
 * Run from the TypeScript sources (vitest, tsx), a thread starts without the parent's
 * loader, so worker-entry.js registers tsx before loading sweep-worker.ts.
 */
const workerModule = new URL(
  import.meta.url.endsWith('.ts') ? './worker-entry.js' : './sweep-worker.js',
  import.meta.url,
);

/** Positions in the shared counter. */
const NEXT = 0;
const STOP = 1;

/** The next job nobody has claimed, or undefined when none is left or the sweep stopped. */
export function claimJob(jobs: readonly RunJob[], claims: Int32Array): RunJob | undefined {
  return Atomics.load(claims, STOP) === 0 ? jobs[Atomics.add(claims, NEXT, 1)] : undefined;
}

/** Run a job: its summary row, or the message of what stopped it (an abort is thrown). */
export async function outcomeOf(job: RunJob, signal?: AbortSignal): Promise<WorkerMessage> {
  try {
    return { id: job.id, summary: await executeRun(job, signal) };
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    return { id: job.id, error: toThreadError(err) };
  }
}

/** The error a failed run's message stands for, naming the run, as this thread would have thrown it. */
export function errorOf(m: Extract<WorkerMessage, { error: ThreadError }>): Error {
  return fromThreadError(m.error, `run ${m.id}`);
}

/** The jobs of the runs, the longest (by expected requests) first, so that the last to finish are short. */
function longestFirst(runs: readonly SweepRun[], base: SweepBase, runsDir: string): RunJob[] {
  return runs
    .map((r) => ({
      job: { id: r.id, base, values: r.values, seed: r.seed, dir: join(runsDir, r.id) },
      cost: expectedRequests(base, r.values),
    }))
    .sort((a, b) => b.cost - a.cost)
    .map((j) => j.job);
}

/** This thread's share: claim and run jobs until none is left, saying each outcome as a thread would. */
async function workHere(
  jobs: readonly RunJob[],
  claims: Int32Array,
  heard: (m: WorkerMessage) => void,
  threads: boolean,
  signal: AbortSignal | undefined,
): Promise<void> {
  for (let job = claimJob(jobs, claims); job; job = claimJob(jobs, claims)) {
    // As a thread would say it: a failure names its run, whichever thread ran it.
    heard(await outcomeOf(job, signal));
    // Let the threads' messages in (progress, failures) between this thread's runs.
    if (threads) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Start `count` worker threads on the shared jobs, each reporting what it hears, its errors and its exit. */
function startThreads(
  count: number,
  start: WorkerStart,
  on: { heard: (m: WorkerMessage) => void; fail: (err: Error) => void; exited: (code: number) => void },
): Worker[] {
  return Array.from({ length: count }, () => {
    const w = new Worker(workerModule, { workerData: start });
    w.on('message', on.heard);
    w.on('error', on.fail);
    w.on('exit', on.exited);
    return w;
  });
}

/**
 * Run a sweep's runs on N workers: this thread and N − 1 worker threads, each claiming
 * the next run from a shared counter as soon as it is free, longest runs (by expected
 * requests) first so that the last to finish are short. This thread works too: a
 * worker thread takes a while to start (it loads the simulator and apache-arrow), and
 * this thread has them loaded already; it hears the threads' results between its own runs.
 * Results do not depend on N: each run is a value of its scenario and seed. Returns
 * summary rows keyed by run id.
 */
export interface ExecuteOptions {
  onDone?: ((done: number, total: number) => void) | undefined;
  /** False: only the N worker threads run (what the tests use to exercise them). */
  thisThreadWorks?: boolean | undefined;
  /** Aborting it stops the sweep: worker threads are terminated, unfinished runs' staging removed, the reason thrown. */
  signal?: AbortSignal | undefined;
}

export async function executeRuns(
  runs: readonly SweepRun[],
  base: SweepBase,
  runsDir: string,
  workers: number,
  { onDone, thisThreadWorks = true, signal }: ExecuteOptions = {},
): Promise<Map<string, Summary>> {
  const results = new Map<string, Summary>();
  const jobs = longestFirst(runs, base, runsDir);
  const claims = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  let failure: Error | undefined;
  let over = false;
  // The sweep ends when every result is in (threads still starting are terminated,
  // with nothing left to claim), at the first failure, or when no thread is left.
  let end: () => void = () => {};
  const ended = new Promise<void>((resolve) => void (end = resolve));
  const fail = (err: Error) => {
    failure ??= err;
    Atomics.store(claims, STOP, 1);
    end();
  };
  const heard = (m: WorkerMessage) => {
    if ('error' in m) return fail(errorOf(m));
    results.set(m.id, m.summary);
    onDone?.(results.size, jobs.length);
    if (results.size === jobs.length) end();
  };
  const stop = () => fail(signal?.reason as Error);
  signal?.addEventListener('abort', stop);
  let running = 1; // this thread, until it finds nothing left to claim or does not work
  const left = () => {
    if (--running === 0) end();
  };
  const threads = thisThreadWorks
    ? Math.max(0, Math.min(workers, jobs.length) - 1)
    : Math.max(1, Math.min(workers, jobs.length));
  running += threads;
  const pool = startThreads(
    threads,
    { jobs, claims: claims.buffer },
    {
      heard,
      fail,
      // Exits after the end are ours (terminate).
      exited: (code) => {
        if (code !== 0 && !over) fail(new Error(`a sweep worker thread exited with code ${code}`));
        left();
      },
    },
  );
  try {
    if (thisThreadWorks) await workHere(jobs, claims, heard, threads > 0, signal);
    left();
    await ended;
  } finally {
    signal?.removeEventListener('abort', stop);
    over = true;
    await Promise.all(pool.map((w) => w.terminate()));
    // A terminated thread's run never reaches its own cleanup: its staging folder is ours to remove.
    if (pool.length > 0) removeOwnStaging(runsDir);
  }
  signal?.throwIfAborted();
  if (failure) throw failure;
  if (results.size !== jobs.length)
    throw new InvariantError(`sweep ended with ${results.size} of ${jobs.length} runs done`);
  return results;
}
