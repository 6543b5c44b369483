import type { Table } from 'apache-arrow';
import type { SummaryMetric } from '../metrics/summary.js';
import type { SweepDescription } from './read.js';

/** The sweep metrics a report draws, when the summary has them (and they are not all null). */
export const SWEEP_METRICS: ReadonlyArray<{ column: SummaryMetric; label: string; percent?: boolean; unit?: 's' }> = [
  { column: 'ttft_p99_s', label: 'TTFT p99', unit: 's' },
  { column: 'tpot_p99_s', label: 'TPOT p99', unit: 's' },
  { column: 'e2e_p99_s', label: 'end-to-end p99', unit: 's' },
  { column: 'throughput_rps', label: 'throughput (requests/s)' },
  { column: 'goodput_rps', label: 'goodput (requests/s within the SLO)' },
  { column: 'slo_attainment', label: 'SLO attainment (%)', percent: true },
  { column: 'prefill_util', label: 'prefill utilization (%)', percent: true },
  { column: 'decode_util', label: 'decode utilization (%)', percent: true },
  { column: 'prefill_mfu', label: 'prefill MFU (%)', percent: true },
  { column: 'decode_mfu', label: 'decode MFU (%)', percent: true },
  { column: 'decode_mbu', label: 'decode MBU (%)', percent: true },
  { column: 'cost_per_mtok_usd', label: 'cost ($ per million output tokens)' },
  { column: 'cost_per_m_goodput_tokens_usd', label: 'cost ($ per million goodput tokens)' },
];

export interface SweepPoint {
  x: number | string;
  y: number;
  /** The 95% confidence band (y ± half-width); equal to y with one replication. */
  lo: number;
  hi: number;
  /** The other varied parameters' values: one line per configuration. */
  series: string;
  /** Any run of the point overloaded (a pool's queue grew, or requests ended unfinished). */
  overloaded: boolean;
}

/**
 * One metric against one varied parameter, from the sweep summary's point rows
 * (means over replications and `<metric>_ci95` half-widths).
 */
export function sweepSeries(
  summary: Table,
  sweep: SweepDescription,
  metric: SummaryMetric,
  path: string,
): SweepPoint[] {
  const rows = summary
    .toArray()
    .map((r) => r.toJSON() as Record<string, unknown>)
    .filter((r) => r.row_kind === 'point');
  const others = sweep.paths.filter((p) => p !== path);
  return rows
    .filter((r) => typeof r[metric] === 'number' && !Number.isNaN(r[metric]))
    .map((r) => {
      const y = r[metric] as number;
      const half =
        typeof r[`${metric}_ci95`] === 'number' && !Number.isNaN(r[`${metric}_ci95`])
          ? (r[`${metric}_ci95`] as number)
          : 0;
      return {
        x: r[path] as number | string,
        y,
        lo: y - half,
        hi: y + half,
        series: others.length === 0 ? 'all' : others.map((p) => `${p} = ${String(r[p])}`).join(', '),
        overloaded: r.overloaded === true,
      };
    })
    .sort((a, b) => a.series.localeCompare(b.series) || (a.x < b.x ? -1 : a.x > b.x ? 1 : 0));
}

export interface PlanPoint {
  /** 1, 2, … by cost then name: the key between the chart's labels and the design table. */
  number: number;
  design: string;
  /** Hardware, without counts: "trn2.48xlarge → h100-sxm×8" or "h100-sxm×8 colocated". */
  family: string;
  cost: number;
  /** max(TTFT p99 / SLO TTFT, TPOT p99 / SLO TPOT): ≤ 1 meets the latency bounds. */
  p99: number;
  meets: boolean;
  pareto: boolean;
  recommended: boolean;
}

/** The designs a plan's search evaluated (its checks re-run the recommendation). */
export function planPoints(plan: Table): PlanPoint[] {
  return plan
    .toArray()
    .map((r) => r.toJSON() as Record<string, unknown>)
    .filter((r) => r.stage === 'search' && typeof r.cost_per_hour_usd === 'number' && Number.isFinite(r.p99_vs_slo))
    .map((r) => ({
      number: 0,
      design: String(r.design),
      family: familyOf(r),
      cost: r.cost_per_hour_usd as number,
      p99: r.p99_vs_slo as number,
      meets: r.meets_slo === true,
      pareto: r.pareto === true,
      recommended: r.recommended === true,
    }))
    .sort((a, b) => a.cost - b.cost || a.design.localeCompare(b.design))
    .map((p, i) => ({ ...p, number: i + 1 }));
}

function familyOf(r: Record<string, unknown>): string {
  const hw = (role: string) =>
    `${String(r[`${role}_hardware`])}${typeof r[`${role}_devices`] === 'number' ? `×${r[`${role}_devices`]}` : ''}`;
  return r.kind === 'split' ? `${hw('prefill')} → ${hw('decode')}` : `${hw('mixed')} colocated`;
}
