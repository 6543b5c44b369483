import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ms, num, pct } from '../metrics/readable.js';
import type { SummaryMetric } from '../metrics/summary.js';
import { uniqueTemp } from '../metrics/write.js';
import { type Chart, ChartRenderer, HEAT_METRICS } from './charts.js';
import { dataTable, escapeHtml, page, type Section } from './page.js';
import type { ResultSet, RunFolder } from './read.js';
import {
  handsOff,
  latencyCdfs,
  latencyOverTime,
  linkSeries,
  measuredCompleted,
  poolSeries,
  prefixHitSeries,
  autoscaled,
  timeBreakdown,
  utilizationCells,
} from './run-data.js';
import { ColorMap } from './scales.js';
import { type PlanPoint, planPoints, SWEEP_METRICS, sweepSeries } from './study-data.js';

/** A built report: the page and the charts on it (ids, for tests and the CLI). */
export interface Report {
  html: string;
  charts: Chart[];
}

/** The report of a results folder's contents. */
export interface ReportOptions {
  /** The nodes.arrow columns the per-instance heat maps are drawn on (HEAT_METRICS keys). */
  heat?: readonly string[];
}

/** Heat maps drawn when not asked otherwise: busy fraction beside MFU, so headroom shows. */
export const DEFAULT_HEAT = ['busy_frac', 'mfu'] as const;

export function buildReport(results: ResultSet, options: ReportOptions = {}): Report {
  const charts = new ChartRenderer();
  switch (results.kind) {
    case 'runs':
      return assemble(runsReport(results.runs, results.dir, charts, results.older ?? [], options.heat ?? DEFAULT_HEAT));
    case 'sweep':
      return assemble(sweepReport(results, charts));
    case 'plan':
      return assemble(planReport(results, charts));
  }
}

/** Write `dir/report.html` atomically; returns its path. */
export function writeReport(dir: string, report: Report): string {
  const path = join(dir, 'report.html');
  const staging = uniqueTemp(path);
  try {
    writeFileSync(staging, report.html);
    renameSync(staging, path);
  } catch (err) {
    rmSync(staging, { force: true });
    throw err;
  }
  return path;
}

function assemble(p: { title: string; lead: string; sections: Section[] }): Report {
  return { html: page(p.title, p.lead, p.sections), charts: p.sections.flatMap((s) => s.charts) };
}

// Headers wrap to fit the page's column: long single words carry soft hyphens (\u00ad).
const SUMMARY_COLUMNS: ReadonlyArray<[SummaryMetric, string, (v: unknown) => string]> = [
  ['requests', 're\u00adquests', (v) => num(v, 0)],
  ['completed', 'com\u00adpleted', (v) => num(v, 0)],
  ['rejected', 're\u00adjected', (v) => num(v, 0)],
  ['unfinished', 'un\u00adfinished', (v) => num(v, 0)],
  ['throughput_rps', 'req/s', (v) => num(v)],
  ['ttft_p50_s', 'TTFT p50', ms],
  ['ttft_p99_s', 'TTFT p99', ms],
  ['tpot_p50_s', 'TPOT p50', ms],
  ['tpot_p99_s', 'TPOT p99', ms],
  ['e2e_p99_s', 'e2e p99', ms],
  ['slo_attainment', 'SLO attained', pct],
  ['prefill_util', 'prefill busy', pct],
  ['decode_util', 'decode busy', pct],
  ['availability', 'avail\u00adability', pct],
  ['cost_per_hour_usd', '$/hour', (v) => num(v)],
  ['cost_per_mtok_usd', '$/M tokens', (v) => num(v, 3)],
];

const PREFIX_HIT_COLUMN: [SummaryMetric, string, (v: unknown) => string] = [
  'prefix_cache_hit_rate',
  'prefix cache hit',
  pct,
];

/**
 * Headroom per pool: busy says a server had work, not how much of the machine the work
 * used; MFU and MBU say that (docs/metrics.md), and `overloaded` whether a queue grew.
 */
const HEADROOM_COLUMNS: ReadonlyArray<[SummaryMetric, string, (v: unknown) => string]> = [
  ['overloaded', 'over\u00adloaded', (v) => (v === true ? 'yes' : v === false ? 'no' : '–')],
  ['prefill_util', 'prefill busy', pct],
  ['prefill_mfu', 'prefill MFU', pct],
  ['prefill_mbu', 'prefill MBU', pct],
  ['decode_util', 'decode busy', pct],
  ['decode_mfu', 'decode MFU', pct],
  ['decode_mbu', 'decode MBU', pct],
  ['decode_batch_mean', 'decode batch', (v) => num(v)],
  ['decode_kv_used_frac', 'decode KV used', pct],
  ['cost_per_m_goodput_tokens_usd', '$/M goodput tokens', (v) => num(v, 3)],
];

/** "TTFT ≤ 1 s and TPOT ≤ 50 ms", naming only the bounds the SLO gives. */
function sloBounds(slo: { ttft_s?: number | undefined; tpot_s?: number | undefined }): string {
  const bounds = [
    slo.ttft_s === undefined ? '' : `TTFT ≤ ${ms(slo.ttft_s)}`,
    slo.tpot_s === undefined ? '' : `TPOT ≤ ${ms(slo.tpot_s)}`,
  ];
  return bounds.filter(Boolean).join(' and ');
}

/**
 * A page of runs: summary, latency distributions, over time, utilization, links, time
 * breakdown (in that order on the page).
 */
function runsReport(
  runs: RunFolder[],
  dir: string,
  charts: ChartRenderer,
  older: readonly string[],
  heat: readonly string[],
) {
  const names = runs.map((r) => r.name);
  // One colour per scenario on every chart of the page, in the summary's order.
  const colors = new ColorMap(names);
  const sections: Section[] = [
    summarySection(runs),
    latencySection(runs, charts, colors),
    overTimeSection(runs, charts, colors),
    { id: 'utilization', title: 'Utilization per instance', charts: runs.flatMap((r) => heatmaps(r, charts, heat)) },
    networkSection(runs, charts),
    breakdownSection(runs, charts),
  ];
  const left =
    older.length > 0
      ? ` Drawn: the latest runs (${names.join(', ')}: the batch in summary.arrow, or the runs written after it); ` +
        `${older.length} older folder${older.length === 1 ? '' : 's'} left out (${older.join(', ')}): \`splitsim ` +
        `report --all\` draws them too.`
      : '';
  return {
    title: `splitsim report: ${names.join(', ')}`,
    lead: escapeHtml(
      `Results in ${dir}. Tables: requests, nodes, pools, links, summary (.arrow); columns defined in ` +
        `docs/metrics.md.${left}`,
    ),
    sections,
  };
}

/** What each run is (seed, size, SLO), and the summary and headroom tables. */
function summarySection(runs: readonly RunFolder[]): Section {
  const names = runs.map((r) => r.name);
  const summary = runs.map((r) => (r.summary.get(0)?.toJSON() ?? {}) as Record<string, unknown>);
  const tableOf = (columns: typeof SUMMARY_COLUMNS) =>
    dataTable(
      ['scenario', ...columns.map(([, h]) => h)],
      summary.map((s, i) => [names[i] as string, ...columns.map(([c, , f]) => f(s[c]))]),
    );
  // A prefix cache's hit rate, only when some run has a cache (no column of dashes otherwise).
  const cached = summary.some((x) => x.prefix_cache_hit_rate !== null && x.prefix_cache_hit_rate !== undefined);
  const main = cached ? [...SUMMARY_COLUMNS, PREFIX_HIT_COLUMN] : SUMMARY_COLUMNS;
  const table = `${tableOf(main)}<h3>Headroom</h3>${tableOf(HEADROOM_COLUMNS)}`;
  const about = runs
    .map((r) => {
      const i = r.info;
      const what = i
        ? `seed ${i.seed}, ${i.instances} instances, arrivals over ${i.duration_s} s (warm-up ${i.warmup_s} ` +
          `s)${i.slo ? `, SLO: ${sloBounds(i.slo)} for ${pct(i.slo.quantile)}` : ''}`
        : 'no run.json (written by an older splitsim)';
      return (
        `<li><b>${escapeHtml(r.name)}</b>: ` +
        `${escapeHtml(what)}${i?.description ? `<br><span class="meta">${escapeHtml(i.description)}</span>` : ''}</li>`
      );
    })
    .join('');
  return { id: 'summary', title: 'Summary', html: `<ul>${about}</ul>${table}`, charts: [] };
}

/** TTFT and TPOT CDFs with the SLO bounds; a note naming the runs that completed nothing. */
function latencySection(runs: readonly RunFolder[], charts: ChartRenderer, colors: ColorMap): Section {
  const cdfs = runs.map((r) => ({ scenario: r.name, ...latencyCdfs(r.requests) }));
  const slo = (k: 'ttft_s' | 'tpot_s') => [
    ...new Set(
      runs.flatMap((r) => {
        const v = r.info?.slo?.[k];
        return v === undefined ? [] : [v];
      }),
    ),
  ];
  // A run may complete nothing (every prompt rejected, or too short a run): its
  // latency charts are empty, and the page says why rather than failing.
  const idle = runs.filter((r) => measuredCompleted(r.requests).length === 0).map((r) => r.name);
  const idleNote =
    idle.length === 0
      ? undefined
      : escapeHtml(
          `No request completed after warm-up in ${idle.join(', ')}: there is no latency to draw for ` +
            `${idle.length === 1 ? 'it' : 'them'} (the summary counts the requests rejected and unfinished).`,
        );
  return {
    id: 'latency',
    title: 'Latency distributions',
    intro: idleNote,
    charts: [
      charts.cdf(
        'ttft-cdf',
        'Time to first token (TTFT)',
        'TTFT',
        cdfs.map((c) => ({ scenario: c.scenario, points: c.ttft })),
        slo('ttft_s'),
        colors,
      ),
      charts.cdf(
        'tpot-cdf',
        'Time per output token (TPOT)',
        'TPOT',
        cdfs.map((c) => ({ scenario: c.scenario, points: c.tpot })),
        slo('tpot_s'),
        colors,
      ),
    ],
  };
}

/** Latency, queues and busy fraction per window of simulated time. */
function overTimeSection(runs: readonly RunFolder[], charts: ChartRenderer, colors: ColorMap): Section {
  const overTime = runs.flatMap((r) =>
    latencyOverTime(r.requests, r.info?.window_s ?? windowOf(r)).map((w) => ({ ...w, scenario: r.name })),
  );
  const pools = runs.flatMap((r) => poolSeries(r.pools).map((p) => ({ ...p, scenario: r.name })));
  const hits = runs.flatMap((r) =>
    prefixHitSeries(r.requests, r.nodes, r.info?.window_s ?? windowOf(r)).map((p) => ({ ...p, scenario: r.name })),
  );
  return {
    id: 'over-time',
    title: 'Over simulated time',
    charts: [
      charts.latencyOverTime('ttft-over-time', 'ttft_s', 'TTFT', overTime, colors),
      charts.latencyOverTime('tpot-over-time', 'tpot_s', 'TPOT', overTime, colors),
      charts.poolSeries('pool-queue', 'queue', pools, colors),
      charts.poolSeries('pool-busy', 'busy', pools, colors),
      // Only runs with a prefix cache have one: no empty chart for the others.
      ...(hits.length > 0 ? [charts.poolSeries('prefix-hit-rate', 'hit', hits, colors)] : []),
      // A day with autoscaling: the instances on and the power they draw (issue 21).
      ...(runs.some((r) => autoscaled(r.pools))
        ? [
            charts.poolSeries('pool-instances', 'on', pools, colors),
            charts.poolSeries('pool-power', 'power', pools, colors),
          ]
        : []),
    ],
  };
}

/** A run's per-instance heat maps, one per requested nodes.arrow column it has values for. */
function heatmaps(r: RunFolder, charts: ChartRenderer, heat: readonly string[]) {
  return heat.flatMap((column) => {
    const metric = HEAT_METRICS[column];
    // Queueing-mode runs have no FLOPs or bytes: their mfu and mbu are null.
    if (!metric || !r.nodes.getChild(column) || r.nodes.getChild(column)?.nullCount === r.nodes.numRows) return [];
    const { by, cells } = utilizationCells(r.nodes, 64, column);
    return [
      charts.heatmap(
        column === 'busy_frac' ? `heatmap-${r.name}` : `heatmap-${column}-${r.name}`,
        r.name,
        by,
        cells,
        metric,
      ),
    ];
  });
}

/**
 * Link charts only where KV caches crossed the network: a colocated run's links carry
 * nothing, and an empty chart reads as a fault.
 */
function networkSection(runs: readonly RunFolder[], charts: ChartRenderer): Section {
  const networked = runs.filter((r) => r.links.numRows > 0 && handsOff(r.requests));
  const without = runs.filter((r) => !networked.includes(r)).map((r) => r.name);
  return {
    id: 'network',
    title: 'KV hand-off links',
    intro:
      without.length > 0
        ? escapeHtml(
            `No hand-offs in ${without.join(', ')} (colocated instances, KV hand-off off, or no instance with a ` +
              `NIC): no link chart${without.length === 1 ? '' : 's'} for ${without.length === 1 ? 'it' : 'them'}.`,
          )
        : undefined,
    charts: networked.map((r) => charts.links(`links-${r.name}`, r.name, linkSeries(r.links))),
  };
}

/** Where a request's time goes, per stage, as a chart and a table. */
function breakdownSection(runs: readonly RunFolder[], charts: ChartRenderer): Section {
  const breakdowns = runs.map((r) => ({ scenario: r.name, ...timeBreakdown(r.requests) }));
  const leftOut = breakdowns.reduce((a, b) => a + b.leftOut, 0);
  return {
    id: 'breakdown',
    title: 'Where the time goes',
    charts: [
      charts.breakdown(
        'time-breakdown',
        breakdowns.flatMap((b) => b.stages.map((s) => ({ scenario: b.scenario, ...s }))),
        leftOut > 0
          ? ` ${leftOut} requests displaced by failures are left out (their stage columns ` +
              `describe only their last attempt).`
          : '',
      ),
    ],
    html: dataTable(
      ['scenario', 'requests', ...breakdowns[0]!.stages.map((s) => s.stage)],
      breakdowns.map((b) => [b.scenario, String(b.requests), ...b.stages.map((s) => ms(s.seconds))]),
    ),
  };
}

/** The window width of a run without run.json: the width of its first nodes window. */
function windowOf(r: RunFolder): number {
  const start = r.nodes.getChild('window_start_s')?.get(0) as number | undefined;
  const end = r.nodes.getChild('window_end_s')?.get(0) as number | undefined;
  return start !== undefined && end !== undefined && end > start ? end - start : 10;
}

function sweepReport(results: Extract<ResultSet, { kind: 'sweep' }>, charts: ChartRenderer) {
  const { sweep, summary } = results;
  const sections: Section[] = [];
  // One colour per configuration of the other parameters across every chart.
  const colors = new ColorMap(
    [
      ...new Set(
        SWEEP_METRICS.flatMap((m) =>
          sweep.paths.flatMap((path) => sweepSeries(summary, sweep, m.column, path).map((p) => p.series)),
        ),
      ),
    ].sort(),
  );
  const points = summary
    .toArray()
    .map((r) => r.toJSON() as Record<string, unknown>)
    .filter((r) => r.row_kind === 'point');
  sections.push({
    id: 'grid',
    title: 'The grid',
    intro: escapeHtml(
      `${sweep.points.length} points × ${sweep.replications} replications from ${sweep.base}; replication r uses ` +
        `seed base + r at every point (common random numbers). ± is the 95% confidence half-width ` +
        `(Student t over replications).`,
    ),
    html: dataTable(
      [...sweep.paths, 'TTFT p99', 'TPOT p99', 'req/s', 'SLO attained', 'decode busy'],
      points.map((p) => [
        ...sweep.paths.map((k) => String(p[k])),
        `${ms(p.ttft_p99_s)} ± ${ms(p.ttft_p99_s_ci95)}`,
        `${ms(p.tpot_p99_s)} ± ${ms(p.tpot_p99_s_ci95)}`,
        num(p.throughput_rps),
        pct(p.slo_attainment),
        pct(p.decode_util),
      ]),
    ),
    charts: [],
  });
  sweep.paths.forEach((path, k) => {
    const drawn = SWEEP_METRICS.map((m) => ({ m, pts: sweepSeries(summary, sweep, m.column, path) })).filter(
      (d) => d.pts.length > 0,
    );
    sections.push({
      id: `by-${k}`,
      title: `Against ${path}`,
      charts: drawn.map(({ m, pts }) => charts.sweep(`sweep-${m.column}-by-${k}`, m, path, pts, colors)),
    });
  });
  return {
    title: `splitsim sweep report: ${sweep.name}`,
    lead: escapeHtml(`Sweep results in ${results.dir} (summary.arrow; runs/ holds each run's tables).`),
    sections,
  };
}

function planReport(results: Extract<ResultSet, { kind: 'plan' }>, charts: ChartRenderer) {
  const pts = planPoints(results.plan);
  const rows = results.plan.toArray().map((r) => r.toJSON() as Record<string, unknown>);
  return {
    title: `splitsim plan report: ${results.name}`,
    lead: escapeHtml(`Plan results in ${results.dir} (plan.arrow: every design evaluated).`),
    sections: [recommendationSection(pts, rows, charts), designsSection(pts), frontierSection(pts, rows)],
  };
}

type PlanRow = Record<string, unknown>;

/** The recommendation, the designs its check seeds set aside, and every check run. */
function recommendationSection(pts: PlanPoint[], rows: PlanRow[], charts: ChartRenderer): Section {
  const rec = pts.find((p) => p.recommended);
  const checks = rows.filter((r) => r.stage !== 'search');
  const setAside = rec
    ? pts
        .filter(
          (p) =>
            p.meets &&
            p.cost <= rec.cost &&
            !p.recommended &&
            checks.some((c) => c.design === p.design && c.meets_slo === false),
        )
        .map((p) => p.design)
    : [];
  return {
    id: 'recommendation',
    title: 'Recommendation',
    intro: rec
      ? escapeHtml(
          `The cheapest design that meets the SLO in the search and on every check seed (the verify rows at ` +
            `seeds other than the search's): ${rec.design}, at $${rec.cost.toFixed(2)}/hour (p99 at ` +
            `${rec.p99.toFixed(2)}× the SLO bound).` +
            (setAside.length > 0
              ? ` Set aside (met the SLO in the search but missed it on a check seed): ${setAside.join('; ')}.`
              : ''),
        )
      : 'No design met the SLO on every check seed.',
    html:
      checks.length > 0
        ? dataTable(
            ['check', 'design', 'rate (req/s)', 'seed', 'meets SLO', 'SLO attained'],
            checks.map((c) => [
              String(c.stage),
              String(c.design),
              num(c.rate_per_s),
              num(c.seed, 0),
              c.meets_slo ? 'yes' : 'no',
              pct(c.slo_attainment),
            ]),
          )
        : '',
    charts: [charts.pareto('plan-pareto', pts)],
  };
}

/** The key to the numbers on the Pareto chart. */
function designsSection(pts: PlanPoint[]): Section {
  return {
    id: 'designs',
    title: 'Designs searched',
    intro: 'The key to the numbers on the Pareto chart: every design of the search, cheapest first.',
    html: dataTable(
      ['#', 'design', 'hardware', '$/hour', 'p99 ÷ SLO', 'meets SLO', 'frontier'],
      pts.map((p) => [
        String(p.number),
        `${p.design}${p.recommended ? ' (recommended)' : ''}`,
        p.family,
        p.cost.toFixed(2),
        p.p99.toFixed(2),
        p.meets ? 'yes' : 'no',
        p.pareto ? 'yes' : '',
      ]),
    ),
    charts: [],
  };
}

/** The frontier's designs, cheapest first, with their search run's latencies. */
function frontierSection(pts: PlanPoint[], rows: PlanRow[]): Section {
  const frontier = pts.filter((p) => p.pareto).sort((a, b) => a.cost - b.cost);
  return {
    id: 'frontier',
    title: 'Pareto frontier',
    html: dataTable(
      ['design', '$/hour', 'p99 ÷ SLO', 'TTFT p99', 'TPOT p99', 'meets SLO'],
      frontier.map((p) => {
        const row = rows.find((r) => r.stage === 'search' && r.design === p.design) ?? {};
        return [
          p.design,
          p.cost.toFixed(2),
          p.p99.toFixed(2),
          ms(row.ttft_p99_s),
          ms(row.tpot_p99_s),
          p.meets ? 'yes' : 'no',
        ];
      }),
    ),
    charts: [],
  };
}
