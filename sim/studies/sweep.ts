import * as z from 'zod';
import { checkScenario, InputError, type Problem } from '../scenario/index.js';
import { identifier, positiveInt } from '../scenario/fields.js';
import { parseFieldPath, setAtPath } from './field-path.js';
import { basePathOf, readJsonFile, readStudyFile } from './study-file.js';

export const sweepSchema = z.strictObject({
  $schema: z.string().optional(),
  name: identifier(),
  description: z.string().optional(),
  base: z.string({ error: 'must be the path of a scenario file' }),
  vary: z.record(z.string(), z.array(z.unknown()).min(1, { error: 'must list at least one value' })),
  replications: positiveInt().default(1),
});

export type SweepValue = string | number | boolean | null;

/** One run of a sweep: a grid point, a replication, its seed and its scenario JSON. */
export interface SweepRun {
  /** `p003-r1`: point 3, replication 1 (both from 0). */
  id: string;
  /** Position in the sweep's run order (point-major), which shards slice. */
  index: number;
  point: number;
  replication: number;
  seed: number;
  values: Record<string, SweepValue>;
  scenario: unknown;
}

export interface SweepPlan {
  name: string;
  /** Absolute path of the base scenario (relative paths inside it resolve from there). */
  base: string;
  paths: string[];
  points: Array<Record<string, SweepValue>>;
  replications: number;
  runs: SweepRun[];
}

/**
 * Read a sweep file and expand it: the Cartesian product of the varied values (first
 * path varies slowest) × replications. Replication r of every point runs with seed
 * base.seed + r, so points share random numbers (differences between points are not
 * noise) while replications are independent. Every run's scenario is checked now, so
 * a bad point is an input error before anything runs.
 */
export function loadSweep(file: string): SweepPlan {
  const sweep = readStudyFile(file, sweepSchema, 'sweep');
  const problems: Problem[] = [];
  const base = basePathOf(file, sweep.base);
  const baseJson = readJsonFile(base, 'base scenario', file) as Record<string, unknown>;
  const paths = Object.keys(sweep.vary);
  const parsedPaths = paths.map((p) => {
    const parts = parseFieldPath(p);
    if (!parts) problems.push({ path: `vary.${p}`, message: 'is not a field path (like datacenter.racks[1].count)' });
    return parts;
  });
  for (const [p, values] of Object.entries(sweep.vary)) {
    values.forEach((v, i) => {
      if (v !== null && typeof v === 'object') problems.push({ path: `vary.${p}[${i}]`, message: 'must be a number, string, boolean or null' });
    });
  }
  if (problems.length > 0) throw new InputError(file, problems);

  const points: Array<Record<string, SweepValue>> = [{}];
  for (const p of paths) {
    const next: Array<Record<string, SweepValue>> = [];
    for (const point of points) for (const v of sweep.vary[p] as SweepValue[]) next.push({ ...point, [p]: v });
    points.splice(0, points.length, ...next);
  }
  const baseSeed = typeof baseJson.seed === 'number' ? baseJson.seed : 1;
  const runs: SweepRun[] = [];
  points.forEach((values, point) => {
    const scenario = structuredClone(baseJson);
    paths.forEach((p, k) => {
      const error = setAtPath(scenario, parsedPaths[k] as NonNullable<(typeof parsedPaths)[number]>, values[p]);
      if (error) problems.push({ path: `vary.${p}`, message: error });
    });
    try {
      checkScenario(scenario, base);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const where = paths.map((p) => `${p}=${JSON.stringify(values[p])}`).join(', ');
      for (const q of err.problems) problems.push({ path: q.path, message: `${q.message} (at point ${point}: ${where})` });
    }
    for (let r = 0; r < sweep.replications; r++) {
      runs.push({ id: `p${String(point).padStart(3, '0')}-r${r}`, index: runs.length, point, replication: r, seed: baseSeed + r, values, scenario });
    }
  });
  if (problems.length > 0) throw new InputError(file, dedupe(problems));
  return { name: sweep.name, base, paths, points, replications: sweep.replications, runs };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Runs of shard `k` of `n` (0 ≤ k < n): every n-th run, deterministic. */
export function shardRuns(plan: SweepPlan, k: number, n: number): SweepRun[] {
  return plan.runs.filter((r) => r.index % n === k);
}
