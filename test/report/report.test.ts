// The data behind each chart equals what the Arrow tables say, and the page is self-contained.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport, readResults } from '../../sim/report/index.js';
import {
  cdf,
  latencyCdfs,
  latencyOverTime,
  linkSeries,
  measuredCompleted,
  numbers,
  poolSeries,
  timeBreakdown,
  utilizationCells,
} from '../../sim/report/run-data.js';
import { planPoints, sweepSeries } from '../../sim/report/study-data.js';
import { baseScenario } from '../helpers/base-scenario.js';
import { planFolder, runBatch, splitScenario, sweepFolder } from './fixtures.js';
import { checkScenario } from '../../sim/index.js';
import { runScenarioToFolder } from '../../sim/run-to-folder.js';

const root = join(import.meta.dirname, '../..');
let batch: ReturnType<typeof runBatch>;
let runs: Extract<ReturnType<typeof readResults>, { kind: 'runs' }>;
let faulty: (typeof runs.runs)[number] | undefined;
let clean: (typeof runs.runs)[number] | undefined;
beforeAll(() => {
  batch = runBatch();
  const read = readResults(batch.dir);
  if (read.kind !== 'runs') throw new Error('expected runs');
  runs = read;
  [faulty, clean] = runs.runs;
});

describe('run charts: data from the tables', () => {
  it('reads the batch in the order of its summary.arrow', () => {
    expect(runs.runs.map((r) => r.name)).toEqual(batch.names);
    expect(faulty!.info?.slo?.ttft_s).toBe(0.5);
  });

  it('a CDF runs from the smallest to the largest TTFT of the measured completed requests', () => {
    const t = clean!.requests;
    const idx = measuredCompleted(t);
    const ttft = numbers(t, 'ttft_s');
    const values = idx.map((i) => ttft[i] as number);
    const { ttft: points } = latencyCdfs(t);
    expect(points.length).toBe(Math.min(400, values.length));
    expect(points.at(-1)).toEqual({ x: Math.max(...values), p: 1 });
    expect(points[0]).toEqual({ x: Math.min(...values), p: 1 / values.length });
    for (let k = 1; k < points.length; k++) {
      expect(points[k]!.x).toBeGreaterThanOrEqual(points[k - 1]!.x);
      expect(points[k]!.p).toBeGreaterThan(points[k - 1]!.p);
    }
    // Its population is the summary's: the CDF's median matches ttft_p50_s to within one rank.
    const p50 = clean!.summary.getChild('ttft_p50_s')?.get(0) as number;
    const below = values.filter((v) => v <= p50).length / values.length;
    expect(Math.abs(below - 0.5)).toBeLessThanOrEqual(1 / values.length + 1e-12);
  });

  it('a CDF of a few values is the exact step function', () => {
    expect(cdf([3, NaN, 1, 2])).toEqual([
      { x: 1, p: 1 / 3 },
      { x: 2, p: 2 / 3 },
      { x: 3, p: 1 },
    ]);
    expect(cdf([])).toEqual([]);
  });

  it('latency over time: each window’s p99 is the type-7 quantile of its completed requests', () => {
    const t = clean!.requests;
    const rows = latencyOverTime(t, 2);
    const arrival = numbers(t, 'arrival_s');
    const ttft = numbers(t, 'ttft_s');
    const status = t.getChild('status')!;
    const w = rows.find((r) => r.t === 20 && r.quantile === 'p99')!;
    const inWindow = [...Array(t.numRows).keys()]
      .filter((i) => status.get(i) === 'completed' && arrival[i]! >= 20 && arrival[i]! < 22)
      .map((i) => ttft[i]!)
      .sort((a, b) => a - b);
    const h = (inWindow.length - 1) * 0.99;
    const expected =
      inWindow[Math.floor(h)]! + (h - Math.floor(h)) * (inWindow[Math.ceil(h)]! - inWindow[Math.floor(h)]!);
    expect(w.ttft_s).toBeCloseTo(expected, 12);
  });

  it('pool, heat-map and link series are the window tables’ rows', () => {
    const pools = poolSeries(clean!.pools);
    expect(pools.length).toBe(clean!.pools.numRows);
    expect(pools.map((p) => p.queue)).toEqual(Array.from(numbers(clean!.pools, 'queue_len_mean')));
    const cells = utilizationCells(clean!.nodes);
    expect(cells.by).toBe('instance');
    expect(cells.cells.map((c) => c.value)).toEqual(Array.from(numbers(clean!.nodes, 'busy_frac')));
    // Above the row limit, racks: each cell is the mean of its rack's instances.
    const racks = utilizationCells(clean!.nodes, 2);
    expect(racks.by).toBe('rack');
    const busy = numbers(clean!.nodes, 'busy_frac');
    const rack = clean!.nodes.getChild('rack')!;
    const start = numbers(clean!.nodes, 'window_start_s');
    const mine = [...Array(clean!.nodes.numRows).keys()]
      .filter((i) => rack.get(i) === 'dec-0' && start[i] === 10)
      .map((i) => busy[i]!);
    expect(mine.length).toBe(3);
    expect(racks.cells.find((c) => c.y === 'dec-0' && c.t === 10)!.value).toBeCloseTo(
      mine.reduce((a, b) => a + b) / 3,
      12,
    );
    const links = linkSeries(clean!.links, 3);
    expect(new Set(links.map((l) => l.link)).size).toBe(3);
    const peak = Math.max(...numbers(clean!.links, 'util_frac'));
    expect(Math.max(...links.map((l) => l.util))).toBe(peak);
  });

  it('the time breakdown adds up to the mean end-to-end latency', () => {
    const b = timeBreakdown(clean!.requests);
    const idx = measuredCompleted(clean!.requests);
    const e2e = numbers(clean!.requests, 'e2e_s');
    const mean = idx.reduce((a, i) => a + e2e[i]!, 0) / idx.length;
    expect(b.requests).toBe(idx.length);
    expect(b.stages.reduce((a, s) => a + s.seconds, 0)).toBeCloseTo(mean, 9);
    expect(b.stages.find((s) => s.stage === 'transfer')!.seconds).toBeGreaterThan(0);
    // Requests a failure displaced are left out, and said to be.
    const f = timeBreakdown(faulty!.requests);
    const retried = numbers(faulty!.requests, 'retries');
    expect(f.leftOut).toBe(measuredCompleted(faulty!.requests).filter((i) => retried[i]! > 0).length);
    expect(f.leftOut).toBeGreaterThan(0);
  });
});

describe('the page', () => {
  let report: ReturnType<typeof buildReport>;
  beforeAll(() => {
    report = buildReport(runs);
  });

  it('holds every run chart, as inline SVG, with no script and nothing fetched', () => {
    const ids = report.charts.map((c) => c.id);
    expect(ids).toEqual([
      'ttft-cdf',
      'tpot-cdf',
      'ttft-over-time',
      'tpot-over-time',
      'pool-queue',
      'pool-busy',
      'heatmap-two-decoders',
      'heatmap-mfu-two-decoders',
      'heatmap-three-decoders',
      'heatmap-mfu-three-decoders',
      'links-two-decoders',
      'links-three-decoders',
      'time-breakdown',
    ]);
    for (const id of ids) expect(report.html).toContain(`data-chart="${id}"`);
    expect(report.html).not.toMatch(/<script|<link |src="http|href="http|@import|url\(/i);
    expect(report.html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(ids.length);
    expect(report.html).toContain('SLO');
  });

  it('draws the heat maps on the metrics asked for, from nodes.arrow', () => {
    const ids = buildReport(runs, { heat: ['mbu', 'kv_used_frac'] })
      .charts.map((c) => c.id)
      .filter((id) => id.startsWith('heatmap'));
    expect(report.html).toContain('<h3>Headroom</h3>');
    expect(report.html).toContain('decode MFU');
    expect(ids).toEqual([
      'heatmap-mbu-two-decoders',
      'heatmap-kv_used_frac-two-decoders',
      'heatmap-mbu-three-decoders',
      'heatmap-kv_used_frac-three-decoders',
    ]);
  });

  it('escapes what users wrote (a description is shown as text, never as markup)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-escape-'));
    const spec = {
      ...splitScenario('hostile', 1),
      duration_s: 10,
      warmup_s: 1,
      description: '<script>alert("x")</script> & <b>bold</b>',
    };
    runScenarioToFolder(checkScenario(spec, 'hostile.json'), join(dir, 'hostile'));
    const html = buildReport(readResults(join(dir, 'hostile'))).html;
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toMatch(/<script/i);
  });
});

describe('study charts', () => {
  it('sweep: each point is the summary’s mean with its 95% half-width', async () => {
    const dir = await sweepFolder();
    const results = readResults(dir);
    if (results.kind !== 'sweep') throw new Error('expected a sweep');
    const pts = sweepSeries(results.summary, results.sweep, 'ttft_mean_s', 'workload.arrivals.rate_per_s');
    expect(pts.length).toBe(4);
    const rows = results.summary
      .toArray()
      .map((r) => r.toJSON())
      .filter((r) => r.row_kind === 'point');
    for (const p of pts) {
      const row = rows.find(
        (r) =>
          r['workload.arrivals.rate_per_s'] === p.x && p.series === `scheduling.router = ${r['scheduling.router']}`,
      )!;
      expect(p.y).toBe(row.ttft_mean_s);
      expect(p.hi - p.y).toBeCloseTo(row.ttft_mean_s_ci95, 12);
      expect(row.ttft_mean_s_ci95).toBeGreaterThan(0);
    }
    const report = buildReport(results);
    expect(report.charts.map((c) => c.id)).toContain('sweep-ttft_p99_s-by-0');
    expect(report.charts.map((c) => c.id)).toContain('sweep-ttft_p99_s-by-1');
  });

  it('plan: the frontier and the recommendation come from plan.arrow', async () => {
    const dir = await planFolder();
    const results = readResults(dir);
    if (results.kind !== 'plan') throw new Error('expected a plan');
    const pts = planPoints(results.plan);
    const table = tableFromIPC(readFileSync(join(dir, 'plan.arrow')))
      .toArray()
      .map((r) => r.toJSON());
    expect(pts.length).toBe(table.filter((r) => r.stage === 'search').length);
    expect(pts.filter((p) => p.recommended).length).toBe(1);
    const rec = pts.find((p) => p.recommended)!;
    expect(rec.meets).toBe(true);
    // Nothing that meets the SLO is cheaper than the recommendation, unless the plan set
    // it aside for missing the SLO on a check seed (a verify row of it that misses).
    for (const p of pts) {
      if (!p.meets || p.cost >= rec.cost) continue;
      expect(
        table.some((r) => r.stage === 'verify' && r.design === p.design && r.meets_slo === false),
        p.design,
      ).toBe(true);
    }
    // Every point is numbered once, cheapest first, and has a hardware family.
    expect(pts.map((p) => p.number)).toEqual(pts.map((_, i) => i + 1));
    for (let i = 1; i < pts.length; i++) expect(pts[i]!.cost).toBeGreaterThanOrEqual(pts[i - 1]!.cost);
    expect(pts.every((p) => p.family.length > 0)).toBe(true);
    expect(buildReport(results).charts.map((c) => c.id)).toEqual(['plan-pareto']);
  });
});

describe('splitsim report', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, 'bin/splitsim.js'), ...args], { encoding: 'utf8', cwd: root });

  it('writes DIR/report.html for a results folder', () => {
    const r = cli('report', batch.dir);
    expect(r.status).toBe(0);
    expect(existsSync(join(batch.dir, 'report.html'))).toBe(true);
  });

  it('run --report: one scenario gets DIR/<name>/report.html, a batch DIR/report.html', () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-run-report-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify({ ...baseScenario(), name: 'a', duration_s: 50 }));
    writeFileSync(b, JSON.stringify({ ...baseScenario(), name: 'b', duration_s: 50 }));
    const one = cli('run', a, '--out', join(dir, 'one'), '--report', '--quiet');
    expect(one.status).toBe(0);
    expect(existsSync(join(dir, 'one/a/report.html'))).toBe(true);
    const two = cli('run', a, b, '--out', join(dir, 'two'), '--report');
    expect(two.status).toBe(0);
    expect(two.stdout).toContain(`report: ${join(dir, 'two/report.html')}`);
    const html = readFileSync(join(dir, 'two/report.html'), 'utf8');
    expect(html).toContain('data-chart="heatmap-a"');
    expect(html).toContain('data-chart="heatmap-b"');
  });

  it('refuses a folder with no results (exit 2, no file)', () => {
    const empty = mkdtempSync(join(tmpdir(), 'splitsim-empty-'));
    const r = cli('report', empty);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('holds no results');
    expect(existsSync(join(empty, 'report.html'))).toBe(false);
  });
});
