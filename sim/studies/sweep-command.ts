import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Schema, Table, tableFromIPC } from 'apache-arrow';
import { uniqueTemp, writeTable } from '../metrics/write.js';
import { InputError, type Problem } from '../scenario/index.js';
import {
  allPoints,
  checkPoints,
  loadSweep,
  MAX_SWEEP_RUNS,
  pointsOf,
  runId,
  runsOf,
  type Shard,
  type SweepPlan,
  type SweepValue,
} from './sweep.js';
import { executeRuns } from './sweep-run.js';
import { type Row, runRows, runsTable, type SweepShape, sweepSummaryTable } from './sweep-summary.js';

export type { Shard } from './sweep.js';

/** Where a shard's Arrow file keeps the fingerprint of the sweep it ran (schema metadata). */
const FINGERPRINT_KEY = 'splitsim.sweep_fingerprint';

const usage = 'K/N with 1 ≤ K ≤ N (shards count from 1, as vitest, jest and playwright count them)';

/**
 * The shard to run: `--shard K/N` (1 ≤ K ≤ N), or a batch scheduler's array index,
 * mapped to the same 1…N:
 * - Kubernetes Indexed Job: JOB_COMPLETION_INDEX counts from 0 (0 … completions − 1),
 *   so K = index + 1; N from SPLITSIM_SHARDS (set it to `completions`).
 * - AWS Batch array job: AWS_BATCH_JOB_ARRAY_INDEX counts from 0 (0 … size − 1), so
 *   K = index + 1; N from SPLITSIM_SHARDS (set it to the array size).
 * - Slurm job array: K = (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / STEP + 1 of
 *   SLURM_ARRAY_TASK_COUNT, STEP being SLURM_ARRAY_TASK_STEP (1 when unset), so
 *   `--array=0-7`, `--array=1-8` and `--array=0-14:2` all give shards 1…8. Slurm sets
 *   SLURM_ARRAY_TASK_MIN in every array task (https://slurm.schedmd.com/job_array.html):
 *   without it the index cannot be placed, and it is refused rather than guessed.
 *   An index list that is not an arithmetic range (`--array=1,2,9`) is refused too.
 */
export function resolveShard(flag: string | undefined, env: NodeJS.ProcessEnv): Shard | undefined {
  const bad = (path: string, message: string) => new InputError('splitsim sweep', [{ path, message }]);
  if (flag !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flag);
    if (!m) throw bad('--shard', `must be ${usage}, got ${JSON.stringify(flag)}`);
    const k = Number(m[1]);
    const n = Number(m[2]);
    if (k === 0 && n >= 1)
      throw bad(
        '--shard',
        `shards count from 1: did you mean 1/${n}? (the last is ${n}/${n}); must be ${usage}, got ${JSON.stringify(flag)}`,
      );
    if (!(n >= 1 && k >= 1 && k <= n && Number.isSafeInteger(n)))
      throw bad('--shard', `must be ${usage}, got ${JSON.stringify(flag)}`);
    return { k, n };
  }
  const integer = (name: string, value: string | undefined, min: number): number => {
    const x = Number(value);
    if (value === undefined || !/^\d+$/.test(value.trim()) || !Number.isSafeInteger(x) || x < min) {
      throw bad(
        name,
        `must be an integer ≥ ${min}, got ${value === undefined ? 'nothing (it is not set)' : JSON.stringify(value)}`,
      );
    }
    return x;
  };
  const count = (name: string, value: string | undefined): number => {
    if (value === undefined) throw bad(name, 'needs a shard count: set SPLITSIM_SHARDS to the number of array tasks');
    return integer(name, value, 1);
  };
  const zeroBased = (name: string, value: string, n: number): Shard => {
    const index = integer(name, value, 0);
    if (index >= n)
      throw bad(
        name,
        `is ${index}, but ${n} shards have indices 0 … ${n - 1} (shard ${index + 1} of ${n} does not exist): is SPLITSIM_SHARDS the array size?`,
      );
    return { k: index + 1, n };
  };
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    return zeroBased('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX, count('SPLITSIM_SHARDS', env.SPLITSIM_SHARDS));
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const n = count(
      env.SLURM_ARRAY_TASK_COUNT !== undefined ? 'SLURM_ARRAY_TASK_COUNT' : 'SPLITSIM_SHARDS',
      env.SLURM_ARRAY_TASK_COUNT ?? env.SPLITSIM_SHARDS,
    );
    if (env.SLURM_ARRAY_TASK_MIN === undefined) {
      throw bad(
        'SLURM_ARRAY_TASK_MIN',
        'is not set, though SLURM_ARRAY_TASK_ID is: Slurm sets both in every job-array task (sbatch --array); without the first index the shard cannot be placed',
      );
    }
    const id = integer('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID, 0);
    const min = integer('SLURM_ARRAY_TASK_MIN', env.SLURM_ARRAY_TASK_MIN, 0);
    const step =
      env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : integer('SLURM_ARRAY_TASK_STEP', env.SLURM_ARRAY_TASK_STEP, 1);
    const offset = id - min;
    if (offset < 0 || offset % step !== 0 || offset / step >= n) {
      throw bad(
        'SLURM_ARRAY_TASK_ID',
        `${id} is not one of ${n} indices ${min}, ${min + step}, … ${min + (n - 1) * step} (from SLURM_ARRAY_TASK_MIN, _STEP and _COUNT): give the array as a range, --array=0-${n - 1}`,
      );
    }
    return { k: offset / step + 1, n };
  }
  if (env.AWS_BATCH_JOB_ARRAY_INDEX !== undefined) {
    return zeroBased(
      'AWS_BATCH_JOB_ARRAY_INDEX',
      env.AWS_BATCH_JOB_ARRAY_INDEX,
      count('SPLITSIM_SHARDS', env.SPLITSIM_SHARDS),
    );
  }
  return undefined;
}

export interface SweepOutcome {
  plan: SweepPlan;
  dir: string;
  runs: number;
  /** The complete summary (unsharded runs), or undefined for a shard. */
  summary?: Table;
}

/**
 * Run a sweep (or one shard of it) into `<out>/<name>/`: `runs/<run id>/` per run,
 * `sweep.json` (the grid), and `summary.arrow` — or, for a shard,
 * `shards/shard-K-of-N.arrow` carrying the sweep's fingerprint, to be merged by
 * `mergeSweep`. Only the shard's runs are built and checked (and point 0, so every
 * shard reports what is wrong everywhere).
 */
export async function runSweep(
  file: string,
  o: {
    out: string;
    workers: number;
    shard?: Shard | undefined;
    onProgress?: (done: number, total: number) => void;
    signal?: AbortSignal | undefined;
  },
): Promise<SweepOutcome> {
  const plan = loadSweep(file);
  const dir = join(o.out, plan.name);
  const runs = runsOf(plan, o.shard);
  checkPoints(file, plan, new Set([0, ...pointsOf(runs)]));
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, 'sweep.json'), describePlan(plan, !o.shard));
  const results = await executeRuns(runs, plan.baseScenario, join(dir, 'runs'), o.workers, {
    onDone: o.onProgress,
    signal: o.signal,
  });
  const rows = runRows(runs, results);
  if (o.shard) {
    writeTable(
      join(dir, 'shards', `shard-${o.shard.k}-of-${o.shard.n}.arrow`),
      withFingerprint(runsTable(plan, rows), plan.fingerprint),
    );
    return { plan, dir, runs: runs.length };
  }
  const summary = sweepSummaryTable(plan, rows, allPoints(plan));
  writeTable(join(dir, 'summary.arrow'), summary);
  return { plan, dir, runs: runs.length, summary };
}

/** What sweep.json holds: the grid's shape and fingerprint, and (for a whole sweep) its points, which reports read. */
interface SweepDescription {
  name: string;
  base: string;
  paths: string[];
  values: SweepValue[][];
  replications: number;
  fingerprint: string;
  points?: Array<Record<string, SweepValue>>;
}

function describePlan(
  plan: SweepShape & { name: string; base: string; fingerprint: string },
  withPoints: boolean,
): SweepDescription {
  const d: SweepDescription = {
    name: plan.name,
    base: plan.base,
    paths: plan.paths,
    values: plan.values,
    replications: plan.replications,
    fingerprint: plan.fingerprint,
  };
  // A shard does not list the points: a 160,000-point grid in 100,000 shards would
  // write its whole grid 100,000 times. Merge writes them once.
  if (withPoints) d.points = allPoints(plan);
  return d;
}

function withFingerprint(table: Table, fingerprint: string): Table {
  return new Table(new Schema(table.schema.fields, new Map([[FINGERPRINT_KEY, fingerprint]])), table.batches);
}

/**
 * Build `<dir>/summary.arrow` from the shards' run rows; every run must be there, and
 * every shard must have run the sweep that sweep.json describes (same fingerprint): shards
 * of different sweep files written under one name are refused, each named, never averaged.
 */
export function mergeSweep(dir: string): { plan: SweepShape & { name: string }; summary: Table } {
  const where = `splitsim merge ${dir}`;
  const descFile = join(dir, 'sweep.json');
  if (!existsSync(descFile))
    throw new InputError(where, [{ path: '', message: 'no sweep.json: not the output folder of a sweep' }]);
  const desc = readDescription(descFile);
  const shardDir = join(dir, 'shards');
  const files = existsSync(shardDir)
    ? readdirSync(shardDir)
        .filter((f) => f.endsWith('.arrow'))
        .sort()
    : [];
  if (files.length === 0) throw new InputError(where, [{ path: '', message: 'no shards/*.arrow to merge' }]);
  const problems: Problem[] = [];
  const tables: Array<[string, Table]> = [];
  for (const f of files) {
    const path = join(shardDir, f);
    let table: Table;
    try {
      table = tableFromIPC(readFileSync(path));
    } catch {
      // apache-arrow's own message names its internals ("reading 'fieldsLength'"), not the file's state.
      problems.push({
        file: path,
        path: '',
        message:
          'is not a complete Arrow file (truncated or corrupt: an interrupted copy or a full disk?); run this shard again',
      });
      continue;
    }
    if (table.getChild('run') === null) {
      problems.push({ file: path, path: '', message: 'is an Arrow file but not a sweep shard (no "run" column)' });
      continue;
    }
    const fingerprint = table.schema.metadata.get(FINGERPRINT_KEY);
    if (fingerprint !== desc.fingerprint) {
      problems.push({
        file: path,
        path: '',
        message:
          fingerprint === undefined
            ? 'records no sweep fingerprint (written by an older splitsim?): run this shard again'
            : `ran a different sweep (fingerprint ${fingerprint}) than ${descFile} describes (${desc.fingerprint}): shards of different sweep files were written under the name "${desc.name}"; run every shard from the same sweep file, or give each sweep its own --out`,
      });
      continue;
    }
    tables.push([path, table]);
  }
  if (problems.length > 0) throw new InputError(where, problems);
  const byRun = new Map<string, Row>();
  for (const [, t] of tables) {
    for (const r of t.toArray()) {
      const row = r.toJSON() as Row;
      byRun.set(String(row.run), row);
    }
  }
  const ids: string[] = [];
  for (let point = 0; point < desc.points_count; point++)
    for (let r = 0; r < desc.replications; r++) ids.push(runId(point, r));
  const missing = ids.filter((id) => !byRun.has(id));
  if (missing.length > 0) {
    throw new InputError(where, [
      {
        path: '',
        message: `${missing.length} of ${ids.length} runs have no shard result yet (first: ${missing.slice(0, 5).join(', ')})`,
      },
    ]);
  }
  const rows = ids.map((id) => byRun.get(id) as Row);
  const shape: SweepShape & { name: string; base: string; fingerprint: string } = {
    ...desc,
    pointCount: desc.points_count,
  };
  const points = allPoints(shape);
  const summary = sweepSummaryTable(shape, rows, points);
  writeTable(join(dir, 'summary.arrow'), summary);
  // Now that the sweep is whole, sweep.json lists its points (what a report reads).
  writeJsonAtomic(descFile, describePlan(shape, true));
  return { plan: shape, summary };
}

/** sweep.json, checked: a truncated or foreign file is an input error naming it. */
function readDescription(file: string): SweepDescription & { points_count: number } {
  let d: Partial<SweepDescription>;
  try {
    d = JSON.parse(readFileSync(file, 'utf8')) as Partial<SweepDescription>;
  } catch (err) {
    throw new InputError(file, [
      {
        path: '',
        message: `is not valid JSON (truncated or corrupt: ${(err as Error).message}); run any shard again to rewrite it`,
      },
    ]);
  }
  const ok =
    d !== null &&
    typeof d === 'object' &&
    typeof d.name === 'string' &&
    typeof d.fingerprint === 'string' &&
    Array.isArray(d.paths) &&
    Array.isArray(d.values) &&
    d.values.length === d.paths.length &&
    d.values.every((v) => Array.isArray(v) && v.length > 0) &&
    Number.isSafeInteger(d.replications) &&
    (d.replications as number) >= 1;
  if (!ok)
    throw new InputError(file, [
      {
        path: '',
        message:
          'is not the sweep.json of this version of splitsim (no name, fingerprint, paths, values or replications): run any shard again to rewrite it',
      },
    ]);
  let points = 1;
  for (const v of d.values as unknown[][]) points = Math.min(points * v.length, MAX_SWEEP_RUNS + 1);
  if (points * (d.replications as number) > MAX_SWEEP_RUNS)
    throw new InputError(file, [
      { path: '', message: `describes more than the ${MAX_SWEEP_RUNS} runs a sweep may hold` },
    ]);
  return { ...(d as SweepDescription), points_count: points };
}

function writeJsonAtomic(path: string, value: object): void {
  // Unique per writer: shards on a shared volume may write sweep.json at the same time.
  const tmp = uniqueTemp(path);
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}
