import type { Table } from 'apache-arrow';
import type { SummaryMetric } from '../metrics/summary.js';
import type { Summary } from '../metrics/summary-type.js';

import { ms, num, pct } from '../metrics/readable.js';

export { ms };

/** The one-screen summary printed after each scenario. */
export function formatSummary(
  s: Summary,
  extra: { seed: number; out: string; wall_s: number; events: number },
): string {
  return [...coreLines(s, extra), ...serviceLines(s), ...economyLines(s)].join('\n');
}

/** The lines every run prints: counts, throughput, latencies, queues and headroom. */
function coreLines(s: Summary, extra: { seed: number; out: string; wall_s: number; events: number }): string[] {
  return [
    `${s.scenario}  (seed ${extra.seed}, ${extra.events} events in ${extra.wall_s.toFixed(2)} s) → ${extra.out}`,
    `  requests    ${s.requests} = ${s.completed} completed + ${s.rejected} rejected + ${s.unfinished} unfinished` +
      `  (${s.measured_requests} after warm-up)`,
    `  throughput  ${num(s.throughput_rps)} req/s, ${num(s.output_tokens_per_s, 0)} output tok/s` +
      (s.goodput_rps !== null ? `, goodput ${num(s.goodput_rps)} req/s` : ''),
    `  TTFT        p50 ${ms(s.ttft_p50_s)}   p90 ${ms(s.ttft_p90_s)}   p99 ${ms(s.ttft_p99_s)}`,
    `  TPOT        p50 ${ms(s.tpot_p50_s)}   p90 ${ms(s.tpot_p90_s)}   p99 ${ms(s.tpot_p99_s)}`,
    `  end-to-end  p50 ${ms(s.e2e_p50_s)}   p99 ${ms(s.e2e_p99_s)}`,
    `  queues p99  prefill ${ms(s.prefill_queue_p99_s)}   decode ${ms(s.decode_queue_p99_s)}`,
    // Busy (≥ 1 request in service) reads "saturated" for any continuous batcher that is
    // never empty; MFU, MBU, batch and KV say how much of the hardware that work uses.
    `  ${'headroom'.padEnd(10)}${'busy'.padStart(6)} ${'MFU'.padStart(6)} ${'MBU'.padStart(6)} ` +
      `${'batch'.padStart(6)} ${'KV'.padStart(6)}`,
    headroom('prefill', s, 'prefill'),
    headroom('decode', s, 'decode'),
  ];
}

/** The lines a run prints when it has them: prefix cache, overload, faults and SLO. */
function serviceLines(s: Summary): string[] {
  const lines: string[] = [];
  if (s.prefix_cache_hit_rate !== null) {
    lines.push(
      `  prefix      ${pct(s.prefix_cache_hit_rate)} of prompt tokens cached, ` +
        `${num(s.prefill_tokens_saved_per_s, 0)} prompt tok/s not computed`,
    );
  }
  if (s.overloaded === true) {
    lines.push(
      `  OVERLOADED  ${s.unfinished > 0 ? `${s.unfinished} requests unfinished; ` : ''}a pool's backlog grew over ` +
        `the measured period (stderr says which)`,
    );
  }
  if (s.instance_failures > 0 || s.requests_affected > 0) {
    lines.push(
      `  faults      availability ${pct(s.availability)}, ${s.instance_failures} instance failures; ` +
        `${s.requests_affected} requests affected, ${s.requests_retried} retried (${s.retries} retries)`,
    );
  }
  if (s.slo_attainment !== null) {
    lines.push(`  SLO         ${pct(s.slo_attainment)} of requests met it → ${s.slo_met ? 'met' : 'NOT met'}`);
  }
  return lines;
}

/** The lines of autoscaling, price and energy, when the run has them. */
function economyLines(s: Summary): string[] {
  const lines: string[] = [];
  if (s.slo_attainment_ramps !== null && s.slo_attainment_ramps !== undefined) {
    // Only autoscaled runs that scaled out have ramps (docs/metrics.md, slo_attainment_ramps).
    lines.push(
      `  autoscale   ${num(s.instance_hours ?? NaN, 2)} instance-hours on; ` +
        `SLO ${pct(s.slo_attainment_ramps)} of requests arriving while instances were provisioning`,
    );
  }
  if (s.cost_per_hour_usd !== null) {
    const goodput = s.cost_per_m_goodput_tokens_usd === null ? 'no' : `$${num(s.cost_per_m_goodput_tokens_usd, 3)}/M`;
    lines.push(
      `  cost        $${num(s.cost_per_hour_usd)}/hour, $${num(s.cost_per_mtok_usd, 3)}/M output tokens` +
        (s.slo_attainment !== null ? `, ${goodput} goodput tokens` : ''),
    );
  }
  if (s.energy_kwh !== null && s.energy_kwh !== undefined) {
    lines.push(
      `  energy      ${num(s.energy_kwh, 3)} kWh (× PUE), ` +
        `peak ${num(s.peak_power_kw)} kW, ${num(s.joules_per_output_token)} J/output token;` +
        ` electricity $${num(s.electricity_cost_per_hour_usd, 3)}/hour, ` +
        `$${num(s.electricity_cost_per_mtok_usd, 3)}/M output tokens`,
    );
  }
  return lines;
}

/** One pool's headroom line: busy fraction, MFU, MBU, mean batch per server, KV use. */
function headroom(label: string, s: Summary, phase: 'prefill' | 'decode'): string {
  const cell = (v: string, w: number) => v.padStart(w);
  return (
    `  ${label.padEnd(10)}${cell(pct(s[`${phase}_util`]), 6)} ${cell(pct(s[`${phase}_mfu`]), 6)} ` +
    `${cell(pct(s[`${phase}_mbu`]), 6)}` +
    ` ${cell(num(s[`${phase}_batch_mean`], 1), 6)} ${cell(pct(s[`${phase}_kv_used_frac`]), 6)}`
  );
}

/** One row per scenario, side by side (printed after a batch of runs). */
export function formatComparison(rows: readonly Summary[]): string {
  const header = [
    'scenario',
    '$/hour',
    'TTFT p50',
    'TTFT p99',
    'TPOT p50',
    'TPOT p99',
    'req/s',
    'goodput',
    'SLO',
    'prefill busy/MFU',
    'decode busy/MBU',
    '$/M tok',
    '$/M good',
  ];
  // An overloaded run's throughput and cost are not sustainable: marked with a "!".
  const body = rows.map((s) => [
    `${s.overloaded === true ? '! ' : ''}${s.scenario}`,
    num(s.cost_per_hour_usd, 0),
    ms(s.ttft_p50_s),
    ms(s.ttft_p99_s),
    ms(s.tpot_p50_s),
    ms(s.tpot_p99_s),
    num(s.throughput_rps),
    num(s.goodput_rps),
    pct(s.slo_attainment),
    `${pct(s.prefill_util)} / ${pct(s.prefill_mfu)}`,
    `${pct(s.decode_util)} / ${pct(s.decode_mbu)}`,
    num(s.cost_per_mtok_usd),
    num(s.cost_per_m_goodput_tokens_usd),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) =>
    cells.map((x, c) => (c === 0 ? x.padEnd(widths[c] as number) : x.padStart(widths[c] as number))).join('  ');
  const mark = rows.some((s) => s.overloaded === true)
    ? ['! overloaded: a backlog grew over the measured period, or requests ended unfinished']
    : [];
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...mark].join('\n');
}

/** A sweep's points: varied values, then key metrics as mean ± 95% half-width. */
export function formatPoints(plan: { paths: string[] }, summary: Table, limit = 50): string {
  const all = summary
    .toArray()
    .map((r) => r.toJSON() as Record<string, unknown>)
    .filter((r) => r.row_kind === 'point');
  // A grid of thousands of points is read from summary.arrow, not from the screen.
  const rows = all.slice(0, limit);
  const ci = (r: Record<string, unknown>, m: SummaryMetric, f: (v: unknown) => string) =>
    typeof r[`${m}_ci95`] === 'number' ? `${f(r[m])} ± ${f(r[`${m}_ci95`])}` : f(r[m]);
  const header = ['point', ...plan.paths, 'runs', 'TTFT p99', 'TPOT p50', 'req/s', 'SLO', '$/M good', 'overload'];
  // Past the cliff throughput still rises and cost per token still falls: say so.
  const body = rows.map((r) => [
    String(r.point),
    ...plan.paths.map((p) => String(r[p])),
    String(r.runs),
    ci(r, 'ttft_p99_s', ms),
    ci(r, 'tpot_p50_s', ms),
    ci(r, 'throughput_rps', (v) => num(v)),
    ci(r, 'slo_attainment', pct),
    num(r.cost_per_m_goodput_tokens_usd),
    r.overloaded === true ? '!' : '',
  ]);
  const widths = header.map((h, c) => body.reduce((w, b) => Math.max(w, (b[c] as string).length), h.length));
  const line = (cells: string[]) => cells.map((x, c) => x.padStart(widths[c] as number)).join('  ');
  const more =
    all.length > rows.length ? [`… and ${all.length - rows.length} more points (every point: summary.arrow)`] : [];
  if (rows.some((r) => r.overloaded === true))
    more.push(
      "! overloaded (in at least one replication): a pool's backlog grew over the measured period, or requests " +
        'ended unfinished',
    );
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...more].join('\n');
}
