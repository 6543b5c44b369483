import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import type { CdfPoint, HeatCell, LatencyWindow, LinkWindow, PoolWindow, StageName } from './run-data.js';
import { STAGES } from './run-data.js';
import { type ColorMap, coincideNote, coincident, logTicks, seconds, timeAxis } from './scales.js';
import type { PlanPoint, SweepPoint } from './study-data.js';

/** A chart as the page shows it: static SVG, a title, and what it is drawn from. */
export interface Chart {
  id: string;
  title: string;
  caption: string;
  /** The Plot mark that carries the data (its group is `[aria-label=mark]`): tests look for it. */
  mark: string;
  html: string;
  /** Said under the chart when series coincide (identical values hide each other). */
  note?: string | undefined;
  /** Axes whose ticks are durations (labelled in ms or s): tests check their labels. */
  timeAxes?: Array<'x' | 'y'> | undefined;
}

/** What a heat map can colour its cells by: a column of nodes.arrow with values in [0, 1]. */
export interface HeatMetric {
  column: string;
  label: string;
}
export const BUSY_FRAC: HeatMetric = { column: 'busy_frac', label: 'busy fraction' };
/**
 * The per-window columns of nodes.arrow a heat map can be drawn on. Busy fraction alone
 * reads continuous batching as saturated (one request in service is "busy"); MFU and
 * MBU say how much of the machine's compute and memory bandwidth the work used.
 */
export const HEAT_METRICS: Readonly<Record<string, HeatMetric>> = {
  busy_frac: BUSY_FRAC,
  mfu: { column: 'mfu', label: 'model FLOPs utilisation (MFU)' },
  mbu: { column: 'mbu', label: 'model bandwidth utilisation (MBU)' },
  kv_used_frac: { column: 'kv_used_frac', label: 'KV cache used' },
};

/** Line style of a pool in the pool charts: the colour is the scenario's. */
const POOL_DASH: Record<string, string> = { prefill: 'none', decode: '6,3', mixed: '1.5,3' };

export type PoolField = 'queue' | 'busy' | 'hit' | 'on' | 'power';

/** What each pool chart draws: its value per window, title, caption and y axis. */
const POOL_FIELDS: Record<
  PoolField,
  { value: (r: PoolWindow) => number; title: string; caption: string; y: Record<string, unknown> }
> = {
  queue: {
    value: (r) => r.queue,
    title: 'Queue length per pool over time',
    caption:
      'Time-average number of requests waiting in each phase pool per window (pools.arrow ' +
      'queue_len_mean): a pool that saturates shows a growing queue.',
    y: { label: '↑ requests waiting', grid: true },
  },
  busy: {
    value: (r) => r.busy * 100,
    title: 'Busy fraction per pool over time',
    caption: 'Mean busy fraction of each pool’s servers per window (pools.arrow busy_frac).',
    y: { label: '↑ busy (%)', domain: [0, 100], grid: true },
  },
  hit: {
    value: (r) => (r.hit ?? NaN) * 100,
    title: 'Prefix cache hit rate per pool over time',
    caption:
      'Σ cached_prompt_tokens ÷ Σ prompt_tokens of the prompts whose prefill started in the window, ' +
      'by the pool of their prefill instance (requests.arrow; summary.arrow prefix_cache_hit_rate is the ' +
      'same over the measured requests).',
    y: { label: '↑ prompt tokens cached (%)', domain: [0, 100], grid: true },
  },
  on: {
    value: (r) => r.on,
    title: 'Instances on per pool over time',
    caption:
      'Time-mean number of each pool’s instances switched on (provisioning, serving or draining) ' +
      'per window (pools.arrow instances_on_mean): an autoscaler following the load.',
    y: { label: '↑ instances on', grid: true },
  },
  power: {
    value: (r) => r.power_kw,
    title: 'Power per pool over time',
    caption:
      'Mean IT power of each pool’s instances per window, kW (pools.arrow power_w_mean; ' +
      '× PUE for the facility): off instances draw nothing.',
    y: { label: '↑ IT power (kW)', grid: true },
  },
};

/** p50 solid, p99 dashed: one scenario's two quantiles share its colour. */
const QUANTILE_DASH = { p50: 'none', p99: '6,3' } as const;

/** Values of each named series, for finding those that coincide. */
function seriesValues<T>(
  rows: readonly T[],
  name: (r: T) => string,
  value: (r: T) => unknown,
): Array<{ name: string; values: unknown[] }> {
  const by = new Map<string, unknown[]>();
  for (const r of rows) {
    const k = name(r);
    by.set(k, [...(by.get(k) ?? []), value(r)]);
  }
  return [...by.entries()].map(([n, values]) => ({ name: n, values }));
}

const noteOf = (groups: string[][]) => (groups.length > 0 ? coincideNote(groups) : undefined);

const WIDTH = 760;

/** What a latency chart shows when it has no value to draw. */
export const NONE_COMPLETED = 'no request completed: no latency to draw';

/** The DOM document Plot draws into (the project compiles without the DOM library). */
type PlotDocument = NonNullable<Plot.PlotOptions['document']>;

/**
 * Renders Observable Plot charts to SVG strings without a browser: Plot builds its DOM
 * in a linkedom document, and the page embeds the markup, so the report needs no
 * JavaScript to show its charts.
 */
export class ChartRenderer {
  private readonly document: PlotDocument;

  constructor() {
    this.document = parseHTML('<!doctype html><html><body></body></html>').document as unknown as PlotDocument;
  }

  render(options: Plot.PlotOptions): string {
    const el = Plot.plot({
      document: this.document,
      width: WIDTH,
      style: { fontSize: '12px', background: 'white' },
      ...options,
    });
    return (el as unknown as { outerHTML: string }).outerHTML;
  }

  /**
   * A chart with nothing to draw (no request completed): its axes, framed, and the
   * reason in the middle. Plot cannot draw an empty chart with a colour legend: with
   * no values it takes the scale for continuous and asks for a canvas.
   */
  empty(id: string, title: string, caption: string, x: string, y: string, note: string): Chart {
    return {
      id,
      title,
      mark: 'text',
      caption,
      html: this.render({
        height: 160,
        x: { label: x, domain: [0, 1], ticks: [] },
        y: { label: y, domain: [0, 1], ticks: [] },
        marks: [
          Plot.frame({ stroke: '#ccc' }),
          Plot.text([note], { frameAnchor: 'middle', fontSize: 14, fill: '#666' }),
        ],
      }),
    };
  }

  /** CDFs of one latency, one line per scenario in its colour, with the SLO bound(s) as dashed rules. */
  cdf(
    id: string,
    title: string,
    what: string,
    series: Array<{ scenario: string; points: CdfPoint[] }>,
    slo: number[],
    colors: ColorMap,
  ): Chart {
    const rows = series.flatMap((s) => s.points.map((p) => ({ ...p, scenario: s.scenario })));
    const caption = `Empirical CDF of ${what} over measured completed requests (requests.arrow)`;
    if (rows.length === 0)
      return this.empty(id, title, `${caption}.`, `${what} →`, '↑ fraction of requests ≤ x', NONE_COMPLETED);
    const log = rows.every((r) => r.x > 0);
    const drawn = series.filter((s) => s.points.length > 0);
    return {
      id,
      title,
      mark: 'line',
      caption: `${caption}, ${log ? 'log' : 'linear'} x axis; dashed: the SLO bound.`,
      note: noteOf(coincident(drawn.map((s) => ({ name: s.scenario, values: s.points.map((p) => [p.x, p.p]) })))),
      timeAxes: ['x'],
      html: this.render({
        height: 300,
        x: timeAxis([...rows.map((r) => r.x), ...slo], log, `${what} →`),
        y: { label: '↑ fraction of requests ≤ x', domain: [0, 1], grid: true, percent: false },
        color: colors.scale(drawn.map((s) => s.scenario)),
        marks: [
          Plot.line(rows, { x: 'x', y: 'p', stroke: 'scenario', z: 'scenario', curve: 'step-after' }),
          Plot.ruleX(slo, { stroke: '#c00', strokeDasharray: '5,4' }),
          Plot.text(slo, {
            x: (d: number) => d,
            frameAnchor: 'top',
            text: () => 'SLO',
            dx: 4,
            textAnchor: 'start',
            fill: '#c00',
          }),
        ],
      }),
    };
  }

  /** p50 (solid) and p99 (dashed) of one latency per window, each scenario in its colour. */
  latencyOverTime(
    id: string,
    metric: 'ttft_s' | 'tpot_s',
    what: string,
    rows: Array<LatencyWindow & { scenario: string }>,
    colors: ColorMap,
  ): Chart {
    const data = latencyPoints(rows, metric);
    const caption = `p50 and p99 ${what} of completed requests by arrival window (requests.arrow; warm-up included)`;
    if (data.length === 0)
      return this.empty(
        id,
        `${what} over simulated time`,
        `${caption}.`,
        'arrival time (s) →',
        `↑ ${what}`,
        NONE_COMPLETED,
      );
    const marker = data.length < 60 ? 'dot' : 'none';
    return {
      id,
      title: `${what} over simulated time`,
      mark: 'line',
      caption: `${caption}, log y axis. Colour: scenario; solid line: p50, dashed: p99.`,
      note: noteOf(
        coincident(
          seriesValues(
            data,
            (d) => d.series,
            (d) => [d.t, d.v],
          ),
        ),
      ),
      timeAxes: ['y'],
      html: this.render({
        height: 280,
        marginLeft: 60,
        x: { label: 'arrival time (s) →', grid: true },
        y: timeAxis(
          data.map((d) => d.v),
          true,
          `↑ ${what}`,
        ),
        color: colors.scale(data.map((d) => d.scenario)),
        marks: (['p50', 'p99'] as const).map((q) =>
          Plot.line(
            data.filter((d) => d.quantile === q),
            { x: 't', y: 'v', stroke: 'scenario', z: 'series', strokeDasharray: QUANTILE_DASH[q], marker },
          ),
        ),
      }),
    };
  }

  /** Queue length, busy fraction, instances on or power per pool: colour the scenario, line style the pool. */
  poolSeries(id: string, field: PoolField, rows: Array<PoolWindow & { scenario: string }>, colors: ColorMap): Chart {
    const spec = POOL_FIELDS[field];
    const data = rows.map((r) => ({
      t: r.t,
      v: spec.value(r),
      scenario: r.scenario,
      pool: r.pool,
      series: `${r.scenario} · ${r.pool}`,
    }));
    const pools = [...new Set(data.map((d) => d.pool))];
    const styles = pools
      .map((p) => {
        const dash = POOL_DASH[p];
        return `${p}: ${dash === 'none' || dash === undefined ? 'solid' : dash === '6,3' ? 'dashed' : 'dotted'}`;
      })
      .join(', ');
    return {
      id,
      title: spec.title,
      mark: 'line',
      caption: `${spec.caption} Colour: scenario; line: pool (${styles}).`,
      note: noteOf(
        coincident(
          seriesValues(
            data,
            (d) => d.series,
            (d) => [d.t, d.v],
          ),
        ),
      ),
      html: this.render({
        height: 260,
        x: { label: 'simulated time (s) →', grid: true },
        y: spec.y,
        color: colors.scale(data.map((d) => d.scenario)),
        marks: [
          ...pools.map((p) =>
            Plot.line(
              data.filter((d) => d.pool === p),
              { x: 't', y: 'v', stroke: 'scenario', z: 'series', strokeDasharray: POOL_DASH[p] ?? 'none' },
            ),
          ),
          Plot.ruleY([0]),
        ],
      }),
    };
  }

  /** One row per instance (or rack), one column per window, coloured by a [0, 1] metric (busy fraction by default). */
  heatmap(
    id: string,
    scenario: string,
    by: 'instance' | 'rack',
    cells: HeatCell[],
    metric: HeatMetric = BUSY_FRAC,
  ): Chart {
    const rows = [...new Set(cells.map((c) => c.y))];
    const times = [...new Set(cells.map((c) => c.t))].sort((a, b) => a - b);
    const every = Math.max(1, Math.ceil(times.length / 12));
    return {
      id,
      title: `Utilization per ${by}: ${scenario}`,
      mark: 'cell',
      caption:
        `${metric.label[0]!.toUpperCase()}${metric.label.slice(1)} of each ${by} per window (nodes.arrow ` +
        `${metric.column}${by === 'rack' ? ', averaged over the rack’s instances' : ''}).`,
      html: this.render({
        height: 60 + Math.min(900, 14 * rows.length),
        marginLeft: 150,
        x: {
          type: 'band',
          label: 'window start (s) →',
          ticks: times.filter((_, i) => i % every === 0),
          tickFormat: (t: number) => String(Math.round(t)),
        },
        y: { label: null, domain: rows },
        // A quantized scale: its legend is SVG (a continuous ramp needs a canvas, which linkedom lacks).
        color: { type: 'quantize', n: 10, scheme: 'YlOrRd', domain: [0, 1], legend: true, label: metric.label },
        marks: [Plot.cell(cells, { x: 't', y: 'y', fill: 'value', inset: 0.5 })],
      }),
    };
  }

  links(id: string, scenario: string, rows: LinkWindow[]): Chart {
    return {
      id,
      title: `Hand-off link utilization: ${scenario}`,
      mark: 'line',
      caption:
        'Utilization of the busiest links (up to 8, by peak window) carrying KV hand-offs (links.arrow util_frac).',
      note: noteOf(
        coincident(
          seriesValues(
            rows,
            (r) => r.link,
            (r) => [r.t, r.util],
          ),
        ),
      ),
      html: this.render({
        height: 260,
        x: { label: 'simulated time (s) →', grid: true },
        y: { label: '↑ utilization (%)', domain: [0, 100], grid: true },
        color: { legend: true },
        marks: [
          Plot.line(
            rows.map((r) => ({ ...r, util: r.util * 100 })),
            { x: 't', y: 'util', stroke: 'link', z: 'link' },
          ),
          Plot.ruleY([0]),
        ],
      }),
    };
  }

  breakdown(id: string, rows: Array<{ scenario: string; stage: StageName; seconds: number }>, note: string): Chart {
    return {
      id,
      title: 'Where a request’s time goes',
      mark: 'bar',
      caption:
        `Mean seconds per stage over measured completed requests (requests.arrow); the stages add up to ` +
        `the mean end-to-end latency.${note}`,
      timeAxes: ['x'],
      html: this.render({
        height: 70 + 40 * new Set(rows.map((r) => r.scenario)).size,
        marginLeft: 170,
        x: { label: 'mean time →', grid: true, tickFormat: seconds, ticks: 6 },
        y: { label: null },
        color: { domain: [...STAGES], scheme: 'tableau10', legend: true },
        marks: [Plot.barX(rows, { x: 'seconds', y: 'scenario', fill: 'stage', order: [...STAGES] }), Plot.ruleX([0])],
      }),
    };
  }

  /** One metric against one swept parameter, one line per configuration of the others (each in its colour). */
  sweep(
    id: string,
    metric: { column: string; label: string; percent?: boolean; unit?: 's' },
    path: string,
    points: SweepPoint[],
    colors: ColorMap,
  ): Chart {
    const scale = metric.percent ? 100 : 1;
    const data = points.map((p) => ({ ...p, y: p.y * scale, lo: p.lo * scale, hi: p.hi * scale }));
    const numeric = data.every((p) => typeof p.x === 'number');
    const xs = [...new Set(data.map((p) => p.x))];
    const time = metric.unit === 's';
    const label = `↑ ${metric.label}`;
    // Past the cliff throughput still rises and cost still falls while the backlog
    // grows: an overloaded point is marked so the line is not read as healthy.
    const overloaded = data.filter((p) => p.overloaded);
    return {
      id,
      title: `${metric.label} against ${path}`,
      mark: 'dot',
      caption: sweepCaption(metric.column, overloaded.length),
      note: noteOf(
        coincident(
          seriesValues(
            data,
            (d) => d.series,
            (d) => [d.x, d.y],
          ),
        ),
      ),
      timeAxes: time ? ['y'] : [],
      html: this.render({
        height: 280,
        marginLeft: 60,
        // A handful of swept values: tick exactly those (a count of racks has no 1.5).
        x: numeric
          ? { label: `${path} →`, grid: true, ...(xs.length <= 12 ? { ticks: xs } : {}) }
          : { type: 'point', label: path },
        // Durations in ms or s: a bare 0.00085 loses its leading digits in the margin.
        y: time
          ? { ...timeAxis([...data.map((d) => d.lo), ...data.map((d) => d.hi)], false, label), ticks: 5 }
          : { label, grid: true },
        color: colors.scale(data.map((d) => d.series)),
        marks: sweepMarks(data, numeric, overloaded),
      }),
    };
  }

  /**
   * Every searched design, cost against p99 ÷ SLO: fill says whether it met the SLO,
   * symbol its hardware family, and a number beside each point its design (the key is
   * the table under the chart), so every point can be told apart on a static page.
   */
  pareto(id: string, points: PlanPoint[]): Chart {
    const frontier = points.filter((p) => p.pareto).sort((a, b) => a.cost - b.cost);
    const chosen = points.filter((p) => p.recommended);
    const data = points.map((p) => ({ ...p, outcome: p.meets ? 'meets the SLO' : 'misses the SLO' }));
    const ys = points.map((p) => p.p99);
    // Log only where the designs span an order of magnitude.
    const log = ys.length > 0 && Math.max(...ys) / Math.min(...ys) > 10;
    const families = [...new Set(points.map((p) => p.family))];
    return {
      id,
      title: 'Cost against p99 latency: the Pareto frontier',
      mark: 'dot',
      caption: paretoCaption(log),
      html: this.render({
        height: 380,
        x: { label: 'cost ($/hour) →', grid: true },
        y: {
          type: log ? 'log' : 'linear',
          label: '↑ p99 latency ÷ SLO bound',
          grid: true,
          tickFormat: (v: number) => String(Number(v.toPrecision(3))),
          ...(log ? { ticks: logTicks(Math.min(...ys), Math.max(...ys)) } : {}),
        },
        color: { domain: ['meets the SLO', 'misses the SLO'], range: ['#1b9e77', '#d95f02'], legend: true },
        symbol: { domain: families, legend: true },
        marginRight: 40,
        marks: [
          Plot.ruleY([1], { stroke: '#c00', strokeDasharray: '5,4' }),
          Plot.line(frontier, { x: 'cost', y: 'p99', stroke: '#444' }),
          Plot.dot(data, { x: 'cost', y: 'p99', fill: 'outcome', symbol: 'family', r: 4 }),
          Plot.dot(chosen, { x: 'cost', y: 'p99', r: 10, stroke: '#c00', strokeWidth: 2 }),
          ...paretoLabels(data, chosen),
        ],
      }),
    };
  }
}

/** One point per window and quantile with a latency to draw (windows where nothing completed drop out). */
function latencyPoints(rows: ReadonlyArray<LatencyWindow & { scenario: string }>, metric: 'ttft_s' | 'tpot_s') {
  return rows
    .filter((r) => r[metric] > 0)
    .map((r) => ({
      t: r.t,
      v: r[metric],
      scenario: r.scenario,
      quantile: r.quantile,
      series: `${r.scenario} ${r.quantile}`,
    }));
}

type SweepDatum = SweepPoint & { y: number; lo: number; hi: number };

/** What the sweep chart shows, and a warning when overloaded points are on it. */
function sweepCaption(column: string, overloaded: number): string {
  // Past the cliff throughput still rises and cost still falls while the backlog
  // grows: an overloaded point is marked so the line is not read as healthy.
  const cliff =
    overloaded === 0
      ? ''
      : ` Points marked “overloaded” (${overloaded}) had a pool whose queue grew over the measured ` +
        `period, or requests left unfinished: their means describe a backlog, not a steady state.`;
  return (
    `Mean over replications per point (summary.arrow point rows), with the 95% confidence band ` +
    `(${column}_ci95); one line per configuration of the other varied parameters.${cliff}`
  );
}

/** The confidence band (an area over numbers, a rule per category), the means, and the overloaded marks. */
function sweepMarks(data: SweepDatum[], numeric: boolean, overloaded: SweepDatum[]) {
  const band = numeric
    ? Plot.areaY(data, { x: 'x', y1: 'lo', y2: 'hi', fill: 'series', fillOpacity: 0.18 })
    : Plot.ruleX(data, { x: 'x', y1: 'lo', y2: 'hi', stroke: 'series' });
  return [
    band,
    ...(numeric ? [Plot.line(data, { x: 'x', y: 'y', stroke: 'series' })] : []),
    Plot.dot(data, { x: 'x', y: 'y', stroke: 'series', fill: 'series' }),
    Plot.text(overloaded, {
      x: 'x',
      y: 'y',
      text: () => 'overloaded',
      dy: -10,
      fontSize: 10,
      fill: 'currentColor',
    }),
  ];
}

/** How to read the Pareto chart. */
function paretoCaption(log: boolean): string {
  return (
    `Every design the search evaluated (plan.arrow, stage "search"): hourly cost against its p99 ` +
    `latency relative to the SLO bound (the larger of TTFT p99 ÷ SLO TTFT and TPOT p99 ÷ SLO ` +
    `TPOT)${log ? ', log y axis' : ''}. Symbol: hardware family; the number by each point is its row in the ` +
    `design table below. The dashed line is p99 at the bound; a design meets the SLO when its quantile of ` +
    `requests (e.g. 95%) meets both bounds, so it may meet it with its p99 above the line. The line joins the ` +
    `Pareto frontier; the ringed point is the recommendation.`
  );
}

/** Each design's row number beside its point, and the recommendation named. */
function paretoLabels(data: PlanPoint[], chosen: PlanPoint[]) {
  return [
    Plot.text(data, {
      x: 'cost',
      y: 'p99',
      text: (d: PlanPoint) => String(d.number),
      dx: 6,
      dy: -6,
      textAnchor: 'start',
      fontSize: 9,
      fill: '#333',
    }),
    Plot.text(chosen, {
      x: 'cost',
      y: 'p99',
      text: (d: PlanPoint) => `recommended: ${d.design}`,
      dx: 14,
      dy: 10,
      textAnchor: 'start',
      fill: '#c00',
      fontWeight: 'bold',
    }),
  ];
}
