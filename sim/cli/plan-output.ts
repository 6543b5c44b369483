import type { Table } from 'apache-arrow';
import { tableFromRows } from '../metrics/arrow.js';
import { ms } from './format.js';
import { describeDesign, p99VsSlo, paretoFrontier, type PlanResult, planRows } from '../studies/plan.js';

export function planTable(result: PlanResult): Table {
  const rows = planRows(result);
  const first = rows[0] ?? {};
  const kinds = Object.keys(first).map((k): [string, 'string' | 'int' | 'float' | 'bool'] => {
    if (['design', 'kind', 'stage', 'prefill_hardware', 'decode_hardware', 'mixed_hardware', 'scenario'].includes(k))
      return [k, 'string'];
    if (['meets_slo', 'pareto', 'recommended', 'slo_met', 'overloaded'].includes(k)) return [k, 'bool'];
    return [k, 'float'];
  });
  return tableFromRows(rows, kinds);
}

export function formatPlan(r: PlanResult, path: string): string {
  const lines: string[] = [];
  lines.push(`${r.name}: ${r.evaluations.length} designs evaluated → ${path}`);
  for (const x of r.infeasible) lines.push(`infeasible: ${x.design}: ${x.reason}`);
  const rec = r.recommended;
  if (!rec) {
    lines.push(`no recommendation: ${r.why ?? 'nothing met the SLO'}`);
    return lines.join('\n');
  }
  const s = rec.summary;
  // A design without a price prints NaN (it used to throw); a run with no measured request
  // attains 0% of the SLO, as it printed before the summary was typed.
  lines.push(
    `recommended: ${describeDesign(rec.design)} — ` +
      `$${(s.cost_per_hour_usd ?? NaN).toFixed(2)}/hour${racksNote(rec.racks)}`,
  );
  lines.push(
    `  at ${rec.rate_per_s} req/s: SLO attainment ${(100 * (s.slo_attainment ?? 0)).toFixed(2)}%, TTFT p99 ` +
      `${ms(s.ttft_p99_s)}, TPOT p99 ${ms(s.tpot_p99_s)}`,
  );
  for (const c of r.checks) {
    lines.push(
      `  check (seed ${c.seed}): ${describeDesign(c.design)} ${c.meets ? 'meets' : 'misses'} the SLO ` +
        `(${(100 * (c.summary.slo_attainment ?? 0)).toFixed(2)}%)`,
    );
  }
  if (r.goodput_rps !== undefined)
    lines.push(`  goodput: sustains up to ${r.goodput_rps.toFixed(2)} req/s within the SLO`);
  if (r.why) lines.push(`  note: ${r.why}`);
  lines.push('', 'cost / p99 latency Pareto frontier (p99 vs SLO = max of TTFT p99 and TPOT p99 over their bounds):');
  for (const e of paretoFrontier(r.evaluations, r.slo)) {
    const mark = e === r.recommended ? ' ← recommended' : '';
    // An overloaded design's latencies depend on how long the run was: marked "!".
    const over = e.summary.overloaded === true ? '!' : ' ';
    lines.push(
      `  $${(e.summary.cost_per_hour_usd ?? NaN).toFixed(2).padStart(9)}/h  p99 vs SLO ` +
        `${p99VsSlo(e, r.slo).toFixed(2).padStart(5)}  TTFT p99 ${ms(e.summary.ttft_p99_s).padStart(9)}  TPOT p99 ` +
        `${ms(e.summary.tpot_p99_s).padStart(8)}  ${e.meets ? 'meets ' : 'misses'}${over} ` +
        `${describeDesign(e.design)}${racksNote(e.racks)}${mark}`,
    );
  }
  if (r.evaluations.some((e) => e.summary.overloaded === true))
    lines.push(
      "  (! overloaded: a pool's backlog grew over the run, or requests ended unfinished; every evaluation: " +
        'plan.arrow, column overloaded)',
    );
  return lines.join('\n');
}

/** ", 3 racks" when the plan counts racks (rack_power_kw). */
const racksNote = (racks: number | undefined) =>
  racks === undefined ? '' : `, ${racks} rack${racks === 1 ? '' : 's'}`;
