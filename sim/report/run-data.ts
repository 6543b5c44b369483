import type { Table } from 'apache-arrow';
import * as aq from 'arquero';
import { InvariantError } from '../engine/index.js';

// The data behind each chart of a run, computed from its Arrow tables and nothing
// else, so that a test can hold every chart against the tables (docs/report.md).

export interface CdfPoint {
  x: number;
  /** Fraction of values ≤ x. */
  p: number;
}

/**
 * The empirical CDF at up to `points` order statistics, evenly spaced in rank, always
 * including the smallest and the largest value (a page cannot draw a million points).
 * NaN values (a phase that did not happen) are left out.
 */
export function cdf(values: ArrayLike<number>, points = 400): CdfPoint[] {
  const sorted = Float64Array.from(
    Array.prototype.filter.call(values, (v: number) => !Number.isNaN(v)) as number[],
  ).sort();
  const n = sorted.length;
  if (n === 0) return [];
  const k = Math.min(points, n);
  const out: CdfPoint[] = [];
  for (let j = 0; j < k; j++) {
    const i = k === 1 ? n - 1 : Math.round((j * (n - 1)) / (k - 1));
    out.push({ x: sorted[i] as number, p: (i + 1) / n });
  }
  return out;
}

/** A float column as numbers (nulls as NaN). */
export function numbers(t: Table, name: string): Float64Array {
  const col = t.getChild(name);
  if (!col) throw new InvariantError(`table has no column ${name}`);
  const out = new Float64Array(t.numRows);
  let i = 0;
  for (const v of col) out[i++] = v === null ? NaN : Number(v);
  return out;
}

function strings(t: Table, name: string): Array<string | null> {
  const col = t.getChild(name);
  if (!col) throw new InvariantError(`table has no column ${name}`);
  return Array.from(col as Iterable<string | null>);
}

/** Indices of measured (after warm-up) completed requests. */
export function measuredCompleted(requests: Table): number[] {
  const status = strings(requests, 'status');
  const warm = Array.from(requests.getChild('warmup') as Iterable<boolean | null>);
  const out: number[] = [];
  for (let i = 0; i < status.length; i++) if (status[i] === 'completed' && !warm[i]) out.push(i);
  return out;
}

const pick = (values: Float64Array, idx: readonly number[]) => idx.map((i) => values[i] as number);

/** TTFT and TPOT of the measured completed requests (the summary's population). */
export function latencyCdfs(requests: Table, points = 400): { ttft: CdfPoint[]; tpot: CdfPoint[] } {
  const idx = measuredCompleted(requests);
  return {
    ttft: cdf(pick(numbers(requests, 'ttft_s'), idx), points),
    tpot: cdf(pick(numbers(requests, 'tpot_s'), idx), points),
  };
}

export interface LatencyWindow {
  t: number;
  quantile: 'p50' | 'p99';
  ttft_s: number;
  tpot_s: number;
}

/**
 * TTFT and TPOT quantiles of completed requests grouped by arrival window (warm-up
 * included: the chart shows it), R type 7 quantiles as in the summary.
 */
export function latencyOverTime(requests: Table, window_s: number): LatencyWindow[] {
  const status = strings(requests, 'status');
  const arrival = numbers(requests, 'arrival_s');
  const ttft = numbers(requests, 'ttft_s');
  const tpot = numbers(requests, 'tpot_s');
  const rows = { t: [] as number[], ttft: [] as number[], tpot: [] as number[] };
  for (let i = 0; i < status.length; i++) {
    if (status[i] !== 'completed') continue;
    rows.t.push(Math.floor((arrival[i] as number) / window_s) * window_s);
    rows.ttft.push(ttft[i] as number);
    rows.tpot.push(tpot[i] as number);
  }
  if (rows.t.length === 0) return [];
  const grouped = aq
    .table(rows)
    .groupby('t')
    .rollup({
      ttft50: aq.op.quantile('ttft', 0.5),
      ttft99: aq.op.quantile('ttft', 0.99),
      tpot50: aq.op.quantile('tpot', 0.5),
      tpot99: aq.op.quantile('tpot', 0.99),
    })
    .orderby('t')
    .objects() as Array<{ t: number; ttft50: number; ttft99: number; tpot50: number | null; tpot99: number | null }>;
  return grouped.flatMap((g) => [
    { t: g.t, quantile: 'p50' as const, ttft_s: g.ttft50, tpot_s: g.tpot50 ?? NaN },
    { t: g.t, quantile: 'p99' as const, ttft_s: g.ttft99, tpot_s: g.tpot99 ?? NaN },
  ]);
}

export interface PoolWindow {
  t: number;
  pool: string;
  queue: number;
  busy: number;
  /** Prefix cache hit rate (prefixHitSeries only). */
  hit?: number;
  /** Mean instances switched on (tables written before autoscaling: the pool's count). */
  on: number;
  /** Mean IT power of the pool's instances, kW (NaN without hardware or in older tables). */
  power_kw: number;
}

/** pools.arrow as chart rows: queue length and busy fraction per pool per window. */
export function poolSeries(pools: Table): PoolWindow[] {
  const pool = strings(pools, 'pool');
  const t = numbers(pools, 'window_start_s');
  const queue = numbers(pools, 'queue_len_mean');
  const busy = numbers(pools, 'busy_frac');
  const on = numbers(pools, pools.getChild('instances_on_mean') ? 'instances_on_mean' : 'instances');
  const power = pools.getChild('power_w_mean') ? numbers(pools, 'power_w_mean') : null;
  return pool.map((p, i) => ({
    t: t[i] as number,
    pool: String(p),
    queue: queue[i] as number,
    busy: busy[i] as number,
    on: on[i] as number,
    power_kw: power ? (power[i] as number) / 1000 : NaN,
  }));
}

/** Whether any pool ran with fewer instances on than it has (an autoscaler switched some off). */
export function autoscaled(pools: Table): boolean {
  if (!pools.getChild('instances_on_mean')) return false;
  const on = numbers(pools, 'instances_on_mean');
  const count = numbers(pools, 'instances');
  return on.some((n, i) => n < (count[i] as number) - 1e-9);
}

export interface HeatCell {
  t: number;
  /** Instance, or rack when there are too many instances to draw one row each. */
  y: string;
  /** The metric drawn (busy_frac by default). */
  value: number;
}

/**
 * A per-window metric of nodes.arrow (`column`, busy fraction by default) per instance
 * per window; above `maxRows` instances, the mean over each rack's instances instead
 * (a 1,024-instance datacenter has 64 racks).
 */
export function utilizationCells(
  nodes: Table,
  maxRows = 64,
  column = 'busy_frac',
): { by: 'instance' | 'rack'; cells: HeatCell[] } {
  const node = strings(nodes, 'node');
  const rack = strings(nodes, 'rack');
  const t = numbers(nodes, 'window_start_s');
  const busy = numbers(nodes, column);
  const instances = new Set(node).size;
  if (instances <= maxRows) {
    return {
      by: 'instance',
      cells: node.map((n, i) => ({ t: t[i] as number, y: String(n), value: busy[i] as number })),
    };
  }
  const sums = new Map<string, { t: number; y: string; sum: number; n: number }>();
  for (let i = 0; i < node.length; i++) {
    const key = `${rack[i]}\u0000${t[i]}`;
    const cell = sums.get(key) ?? { t: t[i] as number, y: String(rack[i]), sum: 0, n: 0 };
    cell.sum += busy[i] as number;
    cell.n++;
    sums.set(key, cell);
  }
  return { by: 'rack', cells: [...sums.values()].map((c) => ({ t: c.t, y: c.y, value: c.sum / c.n })) };
}

export interface LinkWindow {
  t: number;
  link: string;
  util: number;
}

/** Utilization of the `top` links with the highest peak window utilization (all links when fewer). */
export function linkSeries(links: Table, top = 8): LinkWindow[] {
  const link = strings(links, 'link');
  const t = numbers(links, 'window_start_s');
  const util = numbers(links, 'util_frac');
  const peak = new Map<string, number>();
  link.forEach((l, i) => peak.set(String(l), Math.max(peak.get(String(l)) ?? 0, util[i] as number)));
  const keep = new Set(
    [...peak.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, top)
      .map(([l]) => l),
  );
  const rows: LinkWindow[] = [];
  link.forEach((l, i) => {
    if (keep.has(String(l))) rows.push({ t: t[i] as number, link: String(l), util: util[i] as number });
  });
  return rows;
}

/**
 * Whether a run handed KV caches over the network: some measured request has a
 * transfer time (colocated runs have none, and their links carry nothing to draw).
 */
export function handsOff(requests: Table): boolean {
  if (!requests.getChild('transfer_s')) return false;
  return numbers(requests, 'transfer_s').some((v) => !Number.isNaN(v) && v > 0);
}

export const STAGES = ['prefill queue', 'prefill', 'transfer queue', 'transfer', 'decode queue', 'decode'] as const;
export type StageName = (typeof STAGES)[number];

/**
 * Where a request's time goes: the mean of each stage over measured completed requests
 * that no failure displaced (a retried request's stage columns describe only its last
 * attempt). Stages a request skipped (no hand-off on a mixed instance, no decode for a
 * one-token output) count 0, so the stages add up to the mean end-to-end latency.
 */
export function timeBreakdown(requests: Table): {
  stages: Array<{ stage: StageName; seconds: number }>;
  requests: number;
  leftOut: number;
} {
  const idx = measuredCompleted(requests);
  const col = (n: string) => numbers(requests, n);
  const [arrival, pStart, first, tq, tr, dq, dStart, done] = [
    'arrival_s',
    'prefill_start_s',
    'first_token_s',
    'transfer_queue_s',
    'transfer_s',
    'decode_queue_s',
    'decode_start_s',
    'completion_s',
  ].map(col) as Float64Array[];
  const retries = requests.getChild('retries') ? col('retries') : new Float64Array(requests.numRows);
  const z = (v: number) => (Number.isNaN(v) ? 0 : v);
  const sums = [0, 0, 0, 0, 0, 0];
  let n = 0;
  for (const i of idx) {
    if ((retries[i] as number) > 0) continue;
    n++;
    const parts = [
      pStart![i]! - arrival![i]!,
      first![i]! - pStart![i]!,
      z(tq![i]!),
      z(tr![i]!),
      z(dq![i]!),
      Number.isNaN(dStart![i]!) ? 0 : done![i]! - dStart![i]!,
    ];
    parts.forEach((v, k) => {
      sums[k]! += v;
    });
  }
  return {
    stages: STAGES.map((stage, k) => ({ stage, seconds: n > 0 ? (sums[k] as number) / n : 0 })),
    requests: n,
    leftOut: idx.length - n,
  };
}

/**
 * Prefix cache hit rate per pool per window: Σ cached_prompt_tokens ÷ Σ prompt_tokens
 * of the requests whose prefill started in the window, grouped by the pool of their
 * prefill instance (its role in nodes.arrow). Empty for a run without a cache (no
 * cached_prompt_tokens column).
 */
export function prefixHitSeries(requests: Table, nodes: Table, window_s: number): PoolWindow[] {
  if (!requests.getChild('cached_prompt_tokens')) return [];
  const roleOf = new Map<string, string>();
  const node = strings(nodes, 'node');
  const role = strings(nodes, 'role');
  node.forEach((n, i) => roleOf.set(String(n), String(role[i])));
  const start = numbers(requests, 'prefill_start_s');
  const prompt = numbers(requests, 'prompt_tokens');
  const cached = numbers(requests, 'cached_prompt_tokens');
  const at = strings(requests, 'prefill_node');
  const sums = new Map<string, { t: number; pool: string; prompt: number; cached: number }>();
  for (let i = 0; i < start.length; i++) {
    const s = start[i] as number;
    if (Number.isNaN(s)) continue;
    const t = Math.floor(s / window_s) * window_s;
    const pool = roleOf.get(String(at[i])) ?? 'prefill';
    const key = `${pool} ${t}`;
    const row = sums.get(key) ?? { t, pool, prompt: 0, cached: 0 };
    row.prompt += prompt[i] as number;
    row.cached += cached[i] as number;
    sums.set(key, row);
  }
  return [...sums.values()]
    .sort((a, b) => a.t - b.t)
    .map((r) => ({ t: r.t, pool: r.pool, queue: NaN, busy: NaN, on: NaN, power_kw: NaN, hit: r.cached / r.prompt }));
}
