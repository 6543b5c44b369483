import type { Table } from 'apache-arrow';
import * as aq from 'arquero';
import type { SummaryColumns } from './request-log.js';
import { boolColumn, float64Column, int32Column, makeTable, stringColumn } from './arrow.js';

/** What the summary needs besides the request rows. */
export interface SummaryContext {
  scenario: string;
  warmup_s: number;
  duration_s: number;
  slo?: { ttft_s: number; tpot_s: number; quantile: number } | undefined;
  /** Mean busy fraction of each phase's servers over [warmup_s, duration_s]; NaN if none. */
  prefillUtil: number;
  decodeUtil: number;
  /** Hourly price of the whole datacenter; NaN where the hardware carries no price. */
  costPerHour_usd: number;
  /** Mean fraction of instance-time up over [warmup_s, duration_s]. */
  availability: number;
  /** Times any instance went down during the run. */
  instanceFailures: number;
}

export type SummaryRow = Record<string, number | string | boolean | null>;

/**
 * One summary row per scenario, computed with arquero from the request log's summary
 * columns (the values written to `requests.arrow`; NaN where a phase did not happen). Counts
 * cover every request; latencies, throughput and SLO attainment cover the measured
 * requests (arrived in [warmup_s, duration_s)). Quantiles interpolate linearly between
 * order statistics (arquero's `op.quantile`, R type 7). Formulas: docs/metrics.md.
 */
export function summarize(columns: SummaryColumns, ctx: SummaryContext): SummaryRow {
  const all = aq.table(columns as unknown as Record<string, Float64Array>);
  const counts = all
    .rollup({
      requests: aq.op.count(),
      completed: (d: { status: number }) => aq.op.sum(d.status === 0 ? 1 : 0),
      rejected: (d: { status: number }) => aq.op.sum(d.status === 1 ? 1 : 0),
      unfinished: (d: { status: number }) => aq.op.sum(d.status === 2 ? 1 : 0),
      retried: (d: { retries: number }) => aq.op.sum(d.retries > 0 ? 1 : 0),
      affected: aq.op.sum('affected'),
      retries: aq.op.sum('retries'),
    })
    .object() as Record<string, number>;

  const measured = all.filter((d: { warmup: number }) => d.warmup === 0);
  const done = measured.filter((d: { status: number }) => d.status === 0);
  const q = (col: string, p: number) => aq.op.quantile(col, p);
  const lat = (done.numRows() > 0
    ? done
        .rollup({
          completed: aq.op.count(),
          ttft_p50_s: q('ttft_s', 0.5), ttft_p90_s: q('ttft_s', 0.9), ttft_p99_s: q('ttft_s', 0.99),
          tpot_p50_s: q('tpot_s', 0.5), tpot_p90_s: q('tpot_s', 0.9), tpot_p99_s: q('tpot_s', 0.99),
          e2e_p50_s: q('e2e_s', 0.5), e2e_p99_s: q('e2e_s', 0.99),
          prefill_queue_p99_s: q('prefill_queue_s', 0.99), decode_queue_p99_s: q('decode_queue_s', 0.99),
          ttft_mean_s: aq.op.mean('ttft_s'), tpot_mean_s: aq.op.mean('tpot_s'), e2e_mean_s: aq.op.mean('e2e_s'),
          prefill_queue_mean_s: aq.op.mean('prefill_queue_s'), decode_queue_mean_s: aq.op.mean('decode_queue_s'),
          output_tokens: aq.op.sum('output_tokens'),
        })
        .object()
    : {}) as Record<string, number | undefined>;

  const span_s = ctx.duration_s - ctx.warmup_s;
  let attainment = NaN;
  let good = NaN;
  if (ctx.slo) {
    // A request meets the SLO when it completed with TTFT and TPOT within bounds (a
    // one-token output has no TPOT and meets that half); rejected and unfinished
    // requests count as misses.
    const met = done
      .params({ ttft: ctx.slo.ttft_s, tpot: ctx.slo.tpot_s })
      .filter((d: { ttft_s: number; tpot_s: number }, $: { ttft: number; tpot: number }) =>
        d.ttft_s <= $.ttft && (aq.op.is_nan(d.tpot_s) || d.tpot_s <= $.tpot))
      .numRows();
    good = met;
    attainment = measured.numRows() > 0 ? met / measured.numRows() : NaN;
  }
  const outputTokens = lat.output_tokens ?? 0;
  const tokensPerHour = (outputTokens / span_s) * 3600;
  return {
    scenario: ctx.scenario,
    requests: counts.requests ?? 0,
    completed: counts.completed ?? 0,
    rejected: counts.rejected ?? 0,
    unfinished: counts.unfinished ?? 0,
    measured_requests: measured.numRows(),
    throughput_rps: (lat.completed ?? 0) / span_s,
    output_tokens_per_s: outputTokens / span_s,
    ttft_p50_s: nz(lat.ttft_p50_s), ttft_p90_s: nz(lat.ttft_p90_s), ttft_p99_s: nz(lat.ttft_p99_s),
    tpot_p50_s: nz(lat.tpot_p50_s), tpot_p90_s: nz(lat.tpot_p90_s), tpot_p99_s: nz(lat.tpot_p99_s),
    e2e_p50_s: nz(lat.e2e_p50_s), e2e_p99_s: nz(lat.e2e_p99_s),
    prefill_queue_p99_s: nz(lat.prefill_queue_p99_s), decode_queue_p99_s: nz(lat.decode_queue_p99_s),
    ttft_mean_s: nz(lat.ttft_mean_s), tpot_mean_s: nz(lat.tpot_mean_s), e2e_mean_s: nz(lat.e2e_mean_s),
    prefill_queue_mean_s: nz(lat.prefill_queue_mean_s), decode_queue_mean_s: nz(lat.decode_queue_mean_s),
    slo_attainment: nz(attainment),
    slo_met: ctx.slo && !Number.isNaN(attainment) ? attainment >= ctx.slo.quantile : null,
    goodput_rps: nz(good / span_s),
    prefill_util: nz(ctx.prefillUtil),
    decode_util: nz(ctx.decodeUtil),
    availability: nz(ctx.availability),
    instance_failures: ctx.instanceFailures,
    requests_affected: counts.affected ?? 0,
    requests_retried: counts.retried ?? 0,
    retries: counts.retries ?? 0,
    cost_per_hour_usd: nz(ctx.costPerHour_usd),
    cost_per_mtok_usd: nz(tokensPerHour > 0 ? (ctx.costPerHour_usd / tokensPerHour) * 1e6 : NaN),
  };
}

function nz(v: number | undefined | null): number | null {
  return v === undefined || v === null || Number.isNaN(v) ? null : v;
}

const INT_COLUMNS = new Set(['requests', 'completed', 'rejected', 'unfinished', 'measured_requests', 'instance_failures', 'requests_affected', 'requests_retried', 'retries']);

/** Summary rows (one per scenario or run) as an Arrow table with stable column types. */
export function summaryTable(rows: readonly SummaryRow[]): Table {
  const first = rows[0];
  if (!first) throw new Error('summaryTable needs at least one row');
  const columns: Record<string, ReturnType<typeof float64Column>> = {};
  for (const key of Object.keys(first)) {
    const values = rows.map((r) => r[key] ?? null);
    if (key === 'scenario' || typeof first[key] === 'string') columns[key] = stringColumn(values as (string | null)[]);
    else if (key === 'slo_met') columns[key] = boolColumn(values as boolean[]);
    else if (INT_COLUMNS.has(key)) columns[key] = int32Column(values as number[]);
    else columns[key] = float64Column(values.map((v) => (v === null ? NaN : (v as number))));
  }
  return makeTable(columns);
}
