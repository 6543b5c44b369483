import type { Table } from 'apache-arrow';
import * as aq from 'arquero';
import { type ColumnKind, tableFromRows } from '../metrics/arrow.js';
import type { Summary } from '../metrics/summary-type.js';
import { studentTQuantile } from './stats.js';
import type { SweepPlan, SweepRun, SweepValue } from './sweep.js';
import { InvariantError } from '../engine/index.js';

/** What a summary needs of a sweep: its paths and their values (the grid's shape). */
export type SweepShape = Pick<SweepPlan, 'paths' | 'values' | 'replications' | 'pointCount'>;

export type Row = Record<string, SweepValue | undefined>;

/** One row per run: which run, its grid values, its summary. */
export function runRows(runs: readonly SweepRun[], results: ReadonlyMap<string, Summary>): Row[] {
  return runs.map((r) => {
    const summary = results.get(r.id);
    if (!summary) throw new InvariantError(`run ${r.id} has no result`);
    return {
      row_kind: 'run',
      run: r.id,
      point: r.point,
      replication: r.replication,
      seed: r.seed,
      ...r.values,
      ...summary,
    };
  });
}

/** The summary's numeric metrics (every summary column but the scenario name and the flags). */
function metricsOf(rows: readonly Row[]): string[] {
  const first = rows[0] ?? {};
  const skip = ['row_kind', 'run', 'point', 'replication', 'seed', 'runs', 'scenario', 'slo_met', 'overloaded'];
  return Object.keys(first).filter(
    (k) => !skip.includes(k) && !k.endsWith('_ci95') && (typeof first[k] === 'number' || first[k] === null),
  );
}

/**
 * Per grid point, computed with arquero: the mean of each metric over its replications
 * and the half-width of its 95% Student-t interval, t(0.975, n−1)·s/√n over the n
 * replications where the metric is defined (null with fewer than two).
 */
export function pointRows(
  plan: SweepShape,
  rows: readonly Row[],
  points: ReadonlyArray<Record<string, SweepValue>>,
): Row[] {
  const metrics = metricsOf(rows).filter((m) => !plan.paths.includes(m));
  const table = aq.from(
    rows.map((r) => Object.fromEntries([['point', r.point], ...metrics.map((m) => [m, r[m] ?? null])])),
  );
  const spec: Record<string, unknown> = { runs: aq.op.count() };
  for (const m of metrics) {
    spec[`${m}__mean`] = aq.op.mean(m);
    spec[`${m}__sd`] = aq.op.stdev(m);
    spec[`${m}__n`] = aq.op.valid(m);
  }
  // A point is overloaded when any of its runs is: its means would hide the one that was.
  const overloaded = new Set<number>();
  for (const r of rows) if (r.overloaded === true) overloaded.add(r.point as number);
  const grouped = table
    .groupby('point')
    .rollup(spec as Parameters<typeof table.rollup>[0])
    .orderby('point')
    .objects() as Array<Record<string, number>>;
  return grouped.map((g) => {
    const row: Row = {
      row_kind: 'point',
      point: g.point,
      runs: g.runs,
      ...points[g.point as number],
      overloaded: overloaded.has(g.point as number),
    };
    for (const m of metrics) {
      const n = g[`${m}__n`] as number;
      const mean = g[`${m}__mean`];
      row[m] = n > 0 && Number.isFinite(mean) ? mean : null;
      row[`${m}_ci95`] = n >= 2 ? (studentTQuantile(0.975, n - 1) * (g[`${m}__sd`] as number)) / Math.sqrt(n) : null;
    }
    return row;
  });
}

/** The sweep's summary.arrow: run rows, then point rows. */
export function sweepSummaryTable(
  plan: SweepShape,
  runs: readonly Row[],
  points: ReadonlyArray<Record<string, SweepValue>>,
): Table {
  const pointRowsOf = pointRows(plan, runs, points);
  const scenario = runs[0]?.scenario;
  // Appended one by one: spreading hundreds of thousands of rows into a call overflows the stack.
  const rows: Row[] = runs.slice();
  for (const p of pointRowsOf) rows.push({ ...p, scenario });
  return tableFromRows(rows, sweepColumns(plan, runs));
}

/** A shard's run rows, in the summary's columns (so shards merge into the same table). */
export function runsTable(plan: SweepShape, runs: readonly Row[]): Table {
  return tableFromRows(runs, sweepColumns(plan, runs));
}

function sweepColumns(plan: SweepShape, runs: readonly Row[]): Array<[string, ColumnKind]> {
  const metrics = metricsOf(runs).filter((m) => !plan.paths.includes(m));
  const kind = (p: string): ColumnKind => {
    // Every value of a path appears at some point of the grid: its list decides the column's type.
    const values = plan.values[plan.paths.indexOf(p)] ?? [];
    if (values.every((v) => typeof v === 'number' || v === null)) return 'float';
    if (values.every((v) => typeof v === 'boolean' || v === null)) return 'bool';
    return 'string';
  };
  return [
    ['row_kind', 'string'],
    ['run', 'string'],
    ['point', 'int'],
    ['replication', 'int'],
    ['seed', 'int'],
    ['runs', 'int'],
    ...plan.paths.map((p): [string, ColumnKind] => [p, kind(p)]),
    ['scenario', 'string'],
    // Point rows hold means, so counts are floats too.
    ...metrics.map((m): [string, ColumnKind] => [m, 'float']),
    ['slo_met', 'bool'],
    ['overloaded', 'bool'],
    ...metrics.map((m): [string, ColumnKind] => [`${m}_ci95`, 'float']),
  ];
}
