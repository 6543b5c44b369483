import { createHash } from 'node:crypto';
import * as z from 'zod';
import { checkScenario, InputError, type Problem } from '../scenario/index.js';
import { identifier, positiveInt } from '../scenario/fields.js';
import { parseFieldPath, type PathPart, reservedSegment, setAtPath } from './field-path.js';
import { basePathOf, parseStudy, readJsonFile } from './study-file.js';

export const sweepSchema = z.strictObject({
  $schema: z.string().optional(),
  name: identifier(),
  description: z.string().optional(),
  base: z.string({ error: 'must be the path of a scenario file' }),
  vary: z.record(z.string(), z.array(z.unknown()).min(1, { error: 'must list at least one value' })),
  replications: positiveInt().default(1),
});

export type SweepValue = string | number | boolean | null;

/**
 * The most runs a sweep may hold (points × replications). The bound comes from what
 * holds every run at once: `merge` (and an unsharded sweep) keeps one summary row per
 * run (35 metrics) and builds the point rows and the summary table from them. Measured
 * (Node 20, 100,000 runs of mm4-tandem's summary): ~2 KB of V8 heap per run at the
 * peak, 590 MB resident in all, so 250,000 runs need ~1.5 GB — within a 2 GB container
 * and V8's default heap limit (2–4 GB on 64-bit machines). It admits a 400 × 400 grid
 * (160,000 points) sharded any number of ways; a larger study is several sweeps.
 */
export const MAX_SWEEP_RUNS = 250_000;

/** Why the bound is what it is, in the words of an error message. */
const WHY_MAX = `the ${MAX_SWEEP_RUNS.toLocaleString('en-US')} runs a sweep may hold (merging keeps every run's summary row, ~6 KB of memory each with the tables built from them)`;

/** One run of a sweep: a grid point, a replication and its seed (its scenario is built when it runs). */
export interface SweepRun {
  /** `p003-r1`: point 3, replication 1 (both from 0). */
  id: string;
  /** Position in the sweep's run order (point-major), which shards slice. */
  index: number;
  point: number;
  replication: number;
  seed: number;
  values: Record<string, SweepValue>;
}

/** What every run of a sweep starts from: the base scenario and the varied paths. */
export interface SweepBase {
  /** Absolute path of the base scenario (relative paths inside it resolve from there). */
  file: string;
  json: unknown;
  paths: string[];
}

/**
 * A sweep, expanded on demand: the grid is the Cartesian product of `values` (first
 * path varies slowest) and is never materialized here, so a shard of a huge grid
 * enumerates only its own runs (`runsOf`).
 */
export interface SweepPlan {
  name: string;
  /** Absolute path of the base scenario. */
  base: string;
  baseScenario: SweepBase;
  paths: string[];
  /** The values of each path, in the order of `paths`. */
  values: SweepValue[][];
  replications: number;
  pointCount: number;
  runCount: number;
  /** Seed of replication 0 (the base scenario's seed, or 1). */
  baseSeed: number;
  /** Hash of what determines the runs: base scenario content, vary, replications, name. */
  fingerprint: string;
}

/** A shard: slice `k` of `n`, counted from 1 as test runners count them (1 ≤ k ≤ n). */
export interface Shard {
  k: number;
  n: number;
}

/**
 * Read a sweep file and check what holds for every point: the schema, the field paths
 * (against the base), and the size of the grid (MAX_SWEEP_RUNS) — computed as a product
 * before anything is enumerated. Points themselves are checked by `checkPoints`.
 * Replication r of every point runs with seed base.seed + r, so points share random
 * numbers (differences between points are not noise) while replications are independent.
 */
export function loadSweep(file: string): SweepPlan {
  const raw = readJsonFile(file, 'sweep');
  const problems: Problem[] = [];
  const rawVary = isRecord(raw) ? raw.vary : undefined;
  // Checked on the raw JSON: a schema's record drops a "__proto__" key silently.
  if (isRecord(rawVary)) {
    for (const p of Object.keys(rawVary)) {
      const bad = reservedSegment(p);
      if (bad)
        problems.push({
          path: `vary.${p}`,
          message: `"${bad}" is not a field of a scenario (it names an object's prototype); refused so a sweep cannot write into it`,
        });
    }
  }
  if (problems.length > 0) throw new InputError(file, problems);
  const sweep = parseStudy(raw, file, sweepSchema);
  const base = basePathOf(file, sweep.base);
  const baseJson = readJsonFile(base, 'base scenario', file);
  if (!isRecord(baseJson))
    throw new InputError(file, [{ path: 'base', message: `${sweep.base} is not a scenario (a JSON object)` }]);
  const paths = Object.keys(sweep.vary);
  const values = paths.map((p) => sweep.vary[p] as unknown[]);
  paths.forEach((p, k) => {
    if (!parseFieldPath(p))
      problems.push({ path: `vary.${p}`, message: 'is not a field path (like datacenter.racks[1].count)' });
    (values[k] as unknown[]).forEach((v, i) => {
      if (v !== null && typeof v === 'object')
        problems.push({ path: `vary.${p}[${i}]`, message: 'must be a number, string, boolean or null' });
    });
  });
  if (problems.length > 0) throw new InputError(file, problems);

  // The size first, as a product that stops growing at the bound: no grid is built to count it.
  let pointCount = 1;
  for (const v of values) pointCount = Math.min(pointCount * v.length, MAX_SWEEP_RUNS + 1);
  const runCount = pointCount * sweep.replications;
  if (pointCount > MAX_SWEEP_RUNS) {
    const sizes = values.map((v) => v.length.toLocaleString('en-US')).join(' × ');
    throw new InputError(file, [
      { path: 'vary', message: `a grid of ${sizes} points is more than ${WHY_MAX}; split it into several sweeps` },
    ]);
  }
  if (runCount > MAX_SWEEP_RUNS) {
    throw new InputError(file, [
      {
        path: 'replications',
        message: `${pointCount.toLocaleString('en-US')} point${pointCount === 1 ? '' : 's'} × ${sweep.replications.toLocaleString('en-US')} replications = ${runCount.toLocaleString('en-US')} runs would be more than ${WHY_MAX}`,
      },
    ]);
  }
  const plan: SweepPlan = {
    name: sweep.name,
    base,
    baseScenario: { file: base, json: baseJson, paths },
    paths,
    values: values as SweepValue[][],
    replications: sweep.replications,
    pointCount,
    runCount,
    baseSeed: typeof baseJson.seed === 'number' ? baseJson.seed : 1,
    fingerprint: fingerprintOf(sweep.name, baseJson, paths, values, sweep.replications),
  };
  // Field paths are the same at every point: reaching them at point 0 checks them all.
  const at0 = buildScenario(plan.baseScenario, pointValues(plan, 0));
  if (at0.problems.length > 0)
    throw new InputError(
      file,
      at0.problems.map((message, i) => ({ path: `vary.${at0.paths[i]}`, message })),
    );
  return plan;
}

/**
 * What identifies a sweep's runs, so shards of different sweep files written under one
 * name are told apart: SHA-256 over the base scenario's content (not its path: shards on
 * different machines mount it in different places), the vary lists in order, the
 * replications and the name. Files the base refers to (a trace) are not hashed.
 */
function fingerprintOf(
  name: string,
  baseJson: unknown,
  paths: string[],
  values: unknown[][],
  replications: number,
): string {
  const text = JSON.stringify({ name, base: baseJson, vary: paths.map((p, k) => [p, values[k]]), replications });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** The values of grid point `point` (mixed radix, first path slowest). */
export function pointValues(plan: Pick<SweepPlan, 'paths' | 'values'>, point: number): Record<string, SweepValue> {
  const picks: SweepValue[] = new Array(plan.paths.length);
  let rest = point;
  for (let k = plan.paths.length - 1; k >= 0; k--) {
    const list = plan.values[k] as SweepValue[];
    picks[k] = list[rest % list.length] as SweepValue;
    rest = Math.floor(rest / list.length);
  }
  // Keys are field paths, never prototype names (loadSweep refuses those).
  const out: Record<string, SweepValue> = {};
  plan.paths.forEach((p, k) => {
    out[p] = picks[k] as SweepValue;
  });
  return out;
}

/** Every point, in order (for the summary of a whole sweep: bounded by MAX_SWEEP_RUNS). */
export function allPoints(plan: Pick<SweepPlan, 'paths' | 'values' | 'pointCount'>): Array<Record<string, SweepValue>> {
  const points: Array<Record<string, SweepValue>> = [];
  for (let i = 0; i < plan.pointCount; i++) points.push(pointValues(plan, i));
  return points;
}

/** Run `index` of the sweep (point-major: index = point × replications + replication). */
export function runAt(plan: SweepPlan, index: number): SweepRun {
  const point = Math.floor(index / plan.replications);
  const replication = index % plan.replications;
  return {
    id: runId(point, replication),
    index,
    point,
    replication,
    seed: plan.baseSeed + replication,
    values: pointValues(plan, point),
  };
}

export const runId = (point: number, replication: number) => `p${String(point).padStart(3, '0')}-r${replication}`;

/**
 * The runs of a shard — every n-th run from run k − 1, so each shard holds runs of many
 * points and shards take about equal time — or every run. Only the shard's runs are
 * built, whatever the size of the grid.
 */
export function runsOf(plan: SweepPlan, shard?: Shard): SweepRun[] {
  const start = shard ? shard.k - 1 : 0;
  const step = shard ? shard.n : 1;
  const runs: SweepRun[] = [];
  for (let i = start; i < plan.runCount; i += step) runs.push(runAt(plan, i));
  return runs;
}

/** A point's scenario JSON: the base with the point's values set. */
export function buildScenario(
  base: SweepBase,
  values: Record<string, SweepValue>,
): { scenario: unknown; problems: string[]; paths: string[] } {
  const scenario = structuredClone(base.json);
  const problems: string[] = [];
  const paths: string[] = [];
  for (const p of base.paths) {
    const parts = parseFieldPath(p) as PathPart[];
    const error = setAtPath(scenario, parts, values[p]);
    if (error) {
      problems.push(error);
      paths.push(p);
    }
  }
  return { scenario, problems, paths };
}

/** The scenario of a run, built and ready for checkScenario (field paths were checked by loadSweep). */
export function scenarioOf(base: SweepBase, values: Record<string, SweepValue>): unknown {
  const built = buildScenario(base, values);
  if (built.problems.length > 0)
    throw new InputError(
      base.file,
      built.problems.map((message, i) => ({ path: `vary.${built.paths[i]}`, message })),
    );
  return built.scenario;
}

/**
 * Check the scenarios of the given points (every problem, each naming its point), so a
 * bad point is an input error before anything runs. An input error, in the sweep file.
 */
export function checkPoints(file: string, plan: SweepPlan, points: Iterable<number>): void {
  const problems: Problem[] = [];
  for (const point of points) {
    const values = pointValues(plan, point);
    try {
      checkScenario(scenarioOf(plan.baseScenario, values), plan.base);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      const where = plan.paths.map((p) => `${p}=${JSON.stringify(values[p])}`).join(', ');
      for (const q of err.problems)
        problems.push({ path: q.path, message: `${q.message} (at point ${point}: ${where})` });
    }
  }
  if (problems.length > 0) throw new InputError(file, dedupe(problems));
}

/** The distinct points of some runs, in order. */
export function pointsOf(runs: readonly SweepRun[]): number[] {
  const seen = new Set<number>();
  for (const r of runs) seen.add(r.point);
  return [...seen];
}

/**
 * At most `limit` points to check when a whole grid is too large to check (validate):
 * every value of every path at least once (each path walked with the others at their
 * first value), then points spread evenly over the grid. Deterministic.
 */
export function samplePoints(plan: SweepPlan, limit: number): number[] {
  if (plan.pointCount <= limit) return Array.from({ length: plan.pointCount }, (_, i) => i);
  const chosen = new Set<number>();
  let stride = 1;
  for (let k = plan.values.length - 1; k >= 0; k--) {
    const len = (plan.values[k] as unknown[]).length;
    for (let i = 0; i < len && chosen.size < limit; i++) chosen.add(i * stride);
    stride *= len;
  }
  const step = plan.pointCount / limit;
  for (let x = 0; chosen.size < limit && x < plan.pointCount; x += step) chosen.add(Math.floor(x));
  // Strides that landed on points already chosen leave room: the next unchosen points fill it.
  for (let i = 0; chosen.size < limit; i++) chosen.add(i);
  return [...chosen].sort((a, b) => a - b);
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

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
