import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { writeTable } from '../metrics/write.js';
import { InputError } from '../scenario/index.js';
import { loadSweep, shardRuns, type SweepPlan } from './sweep.js';
import { executeRuns } from './sweep-run.js';
import { type Row, runRows, runsTable, sweepSummaryTable } from './sweep-summary.js';

export interface Shard {
  k: number;
  n: number;
}

/**
 * The shard to run: `--shard K/N` (0 ≤ K < N), or a batch scheduler's array index —
 * Kubernetes Indexed Job (JOB_COMPLETION_INDEX), Slurm job array
 * (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT), AWS Batch
 * array (AWS_BATCH_JOB_ARRAY_INDEX) — with the count from SPLITSIM_SHARDS where the
 * scheduler does not give it.
 */
export function resolveShard(flag: string | undefined, env: NodeJS.ProcessEnv): Shard | undefined {
  const bad = (message: string) => new InputError('splitsim sweep', [{ path: '--shard', message }]);
  if (flag !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flag);
    if (!m) throw bad(`must be K/N with 0 ≤ K < N, got ${JSON.stringify(flag)}`);
    const k = Number(m[1]);
    const n = Number(m[2]);
    if (!(n >= 1 && k < n)) throw bad(`must be K/N with 0 ≤ K < N, got ${JSON.stringify(flag)}`);
    return { k, n };
  }
  const count = (name: string, value: string | undefined): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new InputError('splitsim sweep', [{ path: name, message: `needs a shard count: set SPLITSIM_SHARDS (a positive integer), got ${JSON.stringify(value)}` }]);
    }
    return n;
  };
  const index = (name: string, value: string, n: number, offset = 0): Shard => {
    const k = Number(value) - offset;
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new InputError('splitsim sweep', [{ path: name, message: `must be an index below ${n + offset}, got ${JSON.stringify(value)}` }]);
    return { k, n };
  };
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    return index('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX, count('SPLITSIM_SHARDS', env.SPLITSIM_SHARDS));
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const n = count('SLURM_ARRAY_TASK_COUNT', env.SLURM_ARRAY_TASK_COUNT ?? env.SPLITSIM_SHARDS);
    return index('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID, n, Number(env.SLURM_ARRAY_TASK_MIN ?? 0));
  }
  if (env.AWS_BATCH_JOB_ARRAY_INDEX !== undefined) {
    return index('AWS_BATCH_JOB_ARRAY_INDEX', env.AWS_BATCH_JOB_ARRAY_INDEX, count('SPLITSIM_SHARDS', env.SPLITSIM_SHARDS));
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
 * `sweep.json` (the expanded grid), and `summary.arrow` — or, for a shard,
 * `shards/shard-K-of-N.arrow`, to be merged by `mergeSweep`.
 */
export async function runSweep(
  file: string,
  o: { out: string; workers: number; shard?: Shard | undefined; onProgress?: (done: number, total: number) => void; signal?: AbortSignal | undefined },
): Promise<SweepOutcome> {
  const plan = loadSweep(file);
  const dir = join(o.out, plan.name);
  const runs = o.shard ? shardRuns(plan, o.shard.k, o.shard.n) : plan.runs;
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(join(dir, 'sweep.json'), describePlan(plan));
  const results = await executeRuns(runs, plan.base, join(dir, 'runs'), o.workers, o.onProgress, true, o.signal);
  const rows = runRows(runs, results);
  if (o.shard) {
    writeTable(join(dir, 'shards', `shard-${o.shard.k}-of-${o.shard.n}.arrow`), runsTable(plan, rows));
    return { plan, dir, runs: runs.length };
  }
  const summary = sweepSummaryTable(plan, rows);
  writeTable(join(dir, 'summary.arrow'), summary);
  return { plan, dir, runs: runs.length, summary };
}

/** Build `<dir>/summary.arrow` from the shards' run rows; every run must be there. */
export function mergeSweep(dir: string): { plan: SweepPlan; summary: Table } {
  const where = `splitsim merge ${dir}`;
  if (!existsSync(join(dir, 'sweep.json'))) throw new InputError(where, [{ path: '', message: 'no sweep.json: not the output folder of a sweep' }]);
  const plan = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepPlan & { runIds: string[] };
  const shardDir = join(dir, 'shards');
  const files = existsSync(shardDir) ? readdirSync(shardDir).filter((f) => f.endsWith('.arrow')).sort() : [];
  if (files.length === 0) throw new InputError(where, [{ path: '', message: 'no shards/*.arrow to merge' }]);
  const byRun = new Map<string, Row>();
  for (const f of files) {
    const t = tableFromIPC(readFileSync(join(shardDir, f)));
    for (const r of t.toArray()) {
      const row = r.toJSON() as Row;
      byRun.set(String(row.run), row);
    }
  }
  const missing = plan.runIds.filter((id) => !byRun.has(id));
  if (missing.length > 0) {
    throw new InputError(where, [{ path: '', message: `${missing.length} of ${plan.runIds.length} runs have no shard result yet (first: ${missing.slice(0, 5).join(', ')})` }]);
  }
  const rows = plan.runIds.map((id) => byRun.get(id) as Row);
  const summary = sweepSummaryTable(plan, rows);
  writeTable(join(dir, 'summary.arrow'), summary);
  return { plan, summary };
}

/** What merge needs of the plan (no scenario bodies). */
function describePlan(plan: SweepPlan): object {
  return { name: plan.name, base: plan.base, paths: plan.paths, points: plan.points, replications: plan.replications, runIds: plan.runs.map((r) => r.id) };
}

function writeJsonAtomic(path: string, value: object): void {
  const tmp = `${path}.partial-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}
