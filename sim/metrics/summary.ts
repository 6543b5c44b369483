import type { Table } from 'apache-arrow';
import type { RunTally } from './run-tally.js';
import type { Summary } from './summary-type.js';
import { boolColumn, float64Column, int32Column, makeTable, stringColumn } from './arrow.js';
import { InvariantError } from '../engine/index.js';
import { J_PER_KWH } from '../physics/index.js';

/** What the summary needs besides the request rows. */
export interface SummaryContext {
  scenario: string;
  warmup_s: number;
  duration_s: number;
  slo?: { ttft_s?: number | undefined; tpot_s?: number | undefined; quantile: number } | undefined;
  /** Mean busy fraction of each phase's servers over [warmup_s, duration_s]; NaN if none. */
  prefillUtil: number;
  decodeUtil: number;
  /**
   * FLOPs (bytes) the phase's passes did over [warmup_s, duration_s] ÷ (peak × span), all its
   * servers; NaN in queueing mode.
   */
  prefillMfu: number;
  prefillMbu: number;
  decodeMfu: number;
  decodeMbu: number;
  /** Mean requests in service per server of each phase, and the mean KV use of their
   * instances, over [warmup_s, duration_s]; NaN without servers (KV: in queueing mode). */
  prefillBatch: number;
  decodeBatch: number;
  prefillKv: number;
  decodeKv: number;
  /** A pool's backlog grew over the measured period (trend test, overload.ts). */
  backlogGrowing: boolean;
  /**
   * Hourly price of the whole datacenter (of its instances' on-time, with autoscaling); NaN where the hardware
   * carries no price.
   */
  costPerHour_usd: number;
  /** Instance-hours on over [warmup_s, duration_s]. */
  instanceHours?: number | undefined;
  /** SLO attainment of the measured requests that arrived during a ramp; NaN if none. */
  rampAttainment?: number | undefined;
  /** Mean fraction of instance-time up over [warmup_s, duration_s]. */
  availability: number;
  /** Times any instance went down during the run. */
  instanceFailures: number;
  /** The scenario has a prefix cache (its columns are written). */
  prefixCache?: boolean | undefined;
  /** Power over [warmup_s, duration_s] (sim/metrics/power-meter.ts); NaN where some instance has no hardware. */
  power: {
    /** IT energy of every instance, J. */
    it_J: number;
    /** Highest window-mean IT power, W (the measured-period mean when no window fits inside it). */
    peakIt_W: number;
    /** Facility power ÷ IT power. */
    pue: number;
    usdPerKwh: number;
  };
}

/**
 * One summary row per scenario from the run's tally (the values written to
 * `requests.arrow`). Counts cover every request; latencies, throughput and SLO
 * attainment cover the measured requests (arrived in [warmup_s, duration_s)).
 * Quantiles interpolate linearly between order statistics (R type 7, the definition of
 * arquero's `op.quantile`, which the sweeps use), found exactly by selection over the
 * tally's blocks (sim/metrics/latency-columns.ts): arquero would copy millions of
 * latencies into JS arrays and sort them with a comparator (~150 bytes and
 * microseconds a request). Formulas: docs/metrics.md.
 */
export function summarize(tally: RunTally, ctx: SummaryContext): Summary {
  const span_s = ctx.duration_s - ctx.warmup_s;
  const attainment = ctx.slo && tally.measured > 0 ? tally.sloMet / tally.measured : NaN;
  return {
    scenario: ctx.scenario,
    requests: tally.requests,
    completed: tally.completed,
    rejected: tally.rejected,
    unfinished: tally.unfinished,
    overloaded: ctx.backlogGrowing || tally.unfinished > 0,
    measured_requests: tally.measured,
    throughput_rps: tally.measuredCompleted / span_s,
    output_tokens_per_s: tally.outputTokens / span_s,
    ...latencyFields(tally),
    slo_attainment: nz(attainment),
    slo_met: ctx.slo && !Number.isNaN(attainment) ? attainment >= ctx.slo.quantile : null,
    goodput_rps: nz(ctx.slo ? tally.sloMet / span_s : NaN),
    prefill_util: nz(ctx.prefillUtil),
    decode_util: nz(ctx.decodeUtil),
    prefill_mfu: nz(ctx.prefillMfu),
    prefill_mbu: nz(ctx.prefillMbu),
    decode_mfu: nz(ctx.decodeMfu),
    decode_mbu: nz(ctx.decodeMbu),
    prefill_batch_mean: nz(ctx.prefillBatch),
    decode_batch_mean: nz(ctx.decodeBatch),
    prefill_kv_used_frac: nz(ctx.prefillKv),
    decode_kv_used_frac: nz(ctx.decodeKv),
    ...prefixCacheFields(tally, ctx.prefixCache === true, span_s),
    availability: nz(ctx.availability),
    instance_failures: ctx.instanceFailures,
    requests_affected: tally.affected,
    requests_retried: tally.retried,
    retries: tally.retries,
    ...costFields(tally, ctx, span_s),
    ...energyFields(tally, ctx, span_s),
  };
}

/** The latency quantiles and means over the measured requests (null where none completed). */
function latencyFields(tally: RunTally) {
  const q = tally.quantiles({
    ttft_s: [0.5, 0.9, 0.99],
    tpot_s: [0.5, 0.9, 0.99],
    e2e_s: [0.5, 0.99],
    prefill_queue_s: [0.99],
    decode_queue_s: [0.99],
  });
  const [ttft50, ttft90, ttft99] = q.ttft_s;
  const [tpot50, tpot90, tpot99] = q.tpot_s;
  const [e2e50, e2e99] = q.e2e_s;
  const [pq99] = q.prefill_queue_s;
  const [dq99] = q.decode_queue_s;
  return {
    ttft_p50_s: nz(ttft50),
    ttft_p90_s: nz(ttft90),
    ttft_p99_s: nz(ttft99),
    tpot_p50_s: nz(tpot50),
    tpot_p90_s: nz(tpot90),
    tpot_p99_s: nz(tpot99),
    e2e_p50_s: nz(e2e50),
    e2e_p99_s: nz(e2e99),
    prefill_queue_p99_s: nz(pq99),
    decode_queue_p99_s: nz(dq99),
    ttft_mean_s: nz(tally.mean('ttft_s')),
    tpot_mean_s: nz(tally.mean('tpot_s')),
    e2e_mean_s: nz(tally.mean('e2e_s')),
    prefill_queue_mean_s: nz(tally.mean('prefill_queue_s')),
    decode_queue_mean_s: nz(tally.mean('decode_queue_s')),
  };
}

/** The hourly cost and the cost per million output tokens, all and within the SLO. */
function costFields(tally: RunTally, ctx: SummaryContext, span_s: number) {
  const tokensPerHour = (tally.outputTokens / span_s) * 3600;
  const goodTokensPerHour = (tally.sloMetOutputTokens / span_s) * 3600;
  return {
    cost_per_hour_usd: nz(ctx.costPerHour_usd),
    cost_per_mtok_usd: nz(tokensPerHour > 0 ? (ctx.costPerHour_usd / tokensPerHour) * 1e6 : NaN),
    cost_per_m_goodput_tokens_usd: nz(
      ctx.slo && goodTokensPerHour > 0 ? (ctx.costPerHour_usd / goodTokensPerHour) * 1e6 : NaN,
    ),
  };
}

/** Energy over the measured period (facility side: IT × PUE), its price, and the instances' on-time. */
function energyFields(tally: RunTally, ctx: SummaryContext, span_s: number) {
  const energy_J = ctx.power.it_J * ctx.power.pue;
  const energy_kwh = energy_J / J_PER_KWH;
  return {
    energy_kwh: nz(energy_kwh),
    joules_per_output_token: nz(tally.outputTokens > 0 ? energy_J / tally.outputTokens : NaN),
    peak_power_kw: nz((ctx.power.peakIt_W * ctx.power.pue) / 1000),
    electricity_cost_per_hour_usd: nz((energy_kwh / (span_s / 3600)) * ctx.power.usdPerKwh),
    electricity_cost_per_mtok_usd: nz(
      tally.outputTokens > 0 ? ((energy_kwh * ctx.power.usdPerKwh) / tally.outputTokens) * 1e6 : NaN,
    ),
    instance_hours: nz(ctx.instanceHours),
    slo_attainment_ramps: nz(ctx.slo ? ctx.rampAttainment : NaN),
  };
}

/** The prefix cache's summary fields: null without a cache (the columns are then left out). */
function prefixCacheFields(
  tally: RunTally,
  cache: boolean,
  span_s: number,
): Pick<Summary, 'prefix_cache_hit_rate' | 'prefill_tokens_saved_per_s'> {
  const { measuredPromptTokens: prompt, measuredCachedTokens: cached } = tally;
  return {
    prefix_cache_hit_rate: nz(cache && prompt > 0 ? cached / prompt : NaN),
    prefill_tokens_saved_per_s: nz(cache ? cached / span_s : NaN),
  };
}

function nz(v: number | undefined | null): number | null {
  return v === undefined || v === null || Number.isNaN(v) ? null : v;
}

/** How a summary column is stored in summary.arrow. */
export type SummaryColumnType = 'utf8' | 'bool' | 'i32' | 'f64';

/**
 * The Arrow type a field's TypeScript type allows: text as utf8 (dictionary-encoded),
 * flags as bool, numbers as a 32-bit integer (counts, never null) or a float (null as NaN, read as null).
 */
type ColumnTypeOf<T> = [T] extends [string]
  ? 'utf8'
  : [T] extends [boolean | null]
    ? 'bool'
    : [T] extends [number]
      ? 'i32' | 'f64'
      : [T] extends [number | null]
        ? 'f64'
        : never;

/**
 * The columns of summary.arrow, in their order, each with its Arrow type. Typed from
 * {@link Summary}: a field added to the summary without a column here, a column that
 * is not a field, or a type that does not fit the field's (a flag stored as a float)
 * does not compile. Counts are i32: they are integers, and at most
 * MAX_IN_FLIGHT-bounded runs of ≤ 2^31 requests (sim/scenario/limits.ts).
 */
export const SUMMARY_COLUMNS = {
  scenario: 'utf8',
  requests: 'i32',
  completed: 'i32',
  rejected: 'i32',
  unfinished: 'i32',
  overloaded: 'bool',
  measured_requests: 'i32',
  throughput_rps: 'f64',
  output_tokens_per_s: 'f64',
  ttft_p50_s: 'f64',
  ttft_p90_s: 'f64',
  ttft_p99_s: 'f64',
  tpot_p50_s: 'f64',
  tpot_p90_s: 'f64',
  tpot_p99_s: 'f64',
  e2e_p50_s: 'f64',
  e2e_p99_s: 'f64',
  prefill_queue_p99_s: 'f64',
  decode_queue_p99_s: 'f64',
  ttft_mean_s: 'f64',
  tpot_mean_s: 'f64',
  e2e_mean_s: 'f64',
  prefill_queue_mean_s: 'f64',
  decode_queue_mean_s: 'f64',
  slo_attainment: 'f64',
  slo_met: 'bool',
  goodput_rps: 'f64',
  prefill_util: 'f64',
  decode_util: 'f64',
  prefill_mfu: 'f64',
  prefill_mbu: 'f64',
  decode_mfu: 'f64',
  decode_mbu: 'f64',
  prefill_batch_mean: 'f64',
  decode_batch_mean: 'f64',
  prefill_kv_used_frac: 'f64',
  decode_kv_used_frac: 'f64',
  prefix_cache_hit_rate: 'f64',
  prefill_tokens_saved_per_s: 'f64',
  availability: 'f64',
  instance_failures: 'i32',
  requests_affected: 'i32',
  requests_retried: 'i32',
  retries: 'i32',
  cost_per_hour_usd: 'f64',
  cost_per_mtok_usd: 'f64',
  cost_per_m_goodput_tokens_usd: 'f64',
  energy_kwh: 'f64',
  joules_per_output_token: 'f64',
  peak_power_kw: 'f64',
  electricity_cost_per_hour_usd: 'f64',
  electricity_cost_per_mtok_usd: 'f64',
  instance_hours: 'f64',
  slo_attainment_ramps: 'f64',
} as const satisfies { [K in keyof Summary]-?: ColumnTypeOf<Summary[K]> };

/** A summary metric's name: a misspelt one does not compile. */
export type SummaryMetric = keyof Summary;

const columnNames = Object.keys(SUMMARY_COLUMNS) as SummaryMetric[];

/**
 * Columns written only when some row has a value: the prefix cache's. A scenario
 * without a cache writes summary.arrow exactly as before the cache existed
 * (docs/metrics.md); a sweep mixing both writes them, null where off.
 */
export const OPTIONAL_COLUMNS: ReadonlySet<SummaryMetric> = new Set([
  'prefix_cache_hit_rate',
  'prefill_tokens_saved_per_s',
]);

/** Summary rows (one per scenario or run) as an Arrow table, its column types from {@link SUMMARY_COLUMNS}. */
export function summaryTable(rows: readonly Summary[]): Table {
  if (rows.length === 0) throw new InvariantError('summaryTable needs at least one row');
  const columns: Record<string, ReturnType<typeof float64Column>> = {};
  for (const key of columnNames) {
    const values = rows.map((r) => r[key]);
    if (OPTIONAL_COLUMNS.has(key) && values.every((v) => v === null || v === undefined)) continue;
    const type: SummaryColumnType = SUMMARY_COLUMNS[key];
    if (type === 'utf8') columns[key] = stringColumn(values as string[]);
    else if (type === 'bool') columns[key] = boolColumn(values.map((v) => v === true));
    else if (type === 'i32') columns[key] = int32Column(values as number[]);
    else columns[key] = float64Column(values.map((v) => (typeof v === 'number' ? v : NaN)));
  }
  return makeTable(columns);
}
