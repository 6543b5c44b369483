// End to end: the generated reports in a real browser (Debian's chromium, driven by
// playwright-core). Every chart is there with marks drawn, nothing logs an error, and a
// screenshot of each page is saved under results/test-report/ for a human to look at.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, readResults, writeReport } from '../../sim/report/index.js';
import { planFolder, runBatch, sweepFolder } from './fixtures.js';

const CHROMIUM = process.env.SPLITSIM_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(
    `report browser test skipped: no Chromium at ${CHROMIUM} (install Debian's "chromium" package, as .ci/run does, or set SPLITSIM_CHROMIUM)`,
  );
}
const shots = join(import.meta.dirname, '../../results/test-report');

describe.skipIf(!available)('reports in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    // Flags as this machine needs them: no sandbox as root, no background network calls.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Open dir/report.html; return per chart the number of marks drawn, and any console errors. */
  async function open(dir: string, name: string) {
    const report = buildReport(readResults(dir));
    const path = writeReport(dir, report);
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) requests.push(r.url());
    });
    await page.goto(`file://${path}`);
    const marks: Record<string, number> = {};
    for (const c of report.charts) {
      marks[c.id] = await page.locator(`figure[data-chart="${c.id}"] svg [aria-label="${c.mark}"] > *`).count();
      const box = await page.locator(`figure[data-chart="${c.id}"] svg`).last().boundingBox();
      expect(box?.width ?? 0, `${c.id} is drawn at a visible size`).toBeGreaterThan(300);
    }
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    const layout = await measure(page);
    await page.close();
    return { report, marks, errors, requests, layout };
  }

  /**
   * What the page shows, measured in the browser: per chart its legend swatches (label →
   * colour), the stroke colours of its lines, its tick labels per axis with their boxes,
   * and whether any table is wider than its column.
   */
  async function measure(page: import('playwright-core').Page) {
    return page.evaluate(() => {
      // The test compiles without the DOM library: the page's document, untyped.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const document = (globalThis as any).document;
      type Box = { text: string; left: number; right: number; top: number; bottom: number };
      const charts = [...document.querySelectorAll('figure[data-chart]')].map((fig: any) => {
        const swatches: Record<string, string> = {};
        for (const sw of fig.querySelectorAll('[class$="-swatch"]')) {
          // Plot sets the swatch colour on its svg, drawn by the shape inside: the computed colour.
          const shape = sw.querySelector('svg > *');
          const style = shape ? (globalThis as any).getComputedStyle(shape) : undefined;
          const colour = style ? (style.fill !== 'none' ? style.fill : style.stroke) : '';
          swatches[(sw.textContent ?? '').trim()] = colour;
        }
        const svg = [...fig.querySelectorAll('svg')].at(-1)!;
        const strokes = [...svg.querySelectorAll('[aria-label="line"] path')].map(
          (p: any) => (globalThis as any).getComputedStyle(p).stroke as string,
        );
        const ticks = (axis: 'x' | 'y'): Box[] =>
          [...svg.querySelectorAll(`[aria-label="${axis}-axis tick label"] text`)].map((t) => {
            const r = t.getBoundingClientRect();
            return { text: (t.textContent ?? '').trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom };
          });
        return {
          id: fig.getAttribute('data-chart') ?? '',
          timeAxes: (fig.getAttribute('data-time-axes') ?? '').split(' ').filter(Boolean),
          swatches,
          strokes,
          x: ticks('x'),
          y: ticks('y'),
        };
      });
      const tables = [...document.querySelectorAll('table.data')].map((t: any) => ({
        width: t.getBoundingClientRect().width,
        room: t.closest('section')!.getBoundingClientRect().width,
      }));
      return { charts, tables } as {
        charts: Array<{
          id: string;
          timeAxes: string[];
          swatches: Record<string, string>;
          strokes: string[];
          x: Box[];
          y: Box[];
        }>;
        tables: Array<{ width: number; room: number }>;
      };
    });
  }

  type Layout = Awaited<ReturnType<typeof measure>>;

  /** Tick labels: durations read "850 ms" or "2.5 s" (no SI prefix, no lost digits), and no two overlap. */
  function checkTicks(layout: Layout) {
    for (const c of layout.charts) {
      for (const axis of c.timeAxes as Array<'x' | 'y'>) {
        expect(c[axis].length, `${c.id} has ${axis} ticks`).toBeGreaterThanOrEqual(2);
        for (const t of c[axis])
          expect(t.text, `${c.id} ${axis} tick of ${JSON.stringify(c[axis].map((x) => x.text))}`).toMatch(
            /^\d+(\.\d+)? (ms|s)$/,
          );
      }
      for (const axis of ['x', 'y'] as const) {
        const boxes = [...c[axis]].sort((a, b) => (axis === 'x' ? a.left - b.left : a.top - b.top));
        for (let i = 1; i < boxes.length; i++) {
          const [a, b] = [boxes[i - 1]!, boxes[i]!];
          const apart = axis === 'x' ? b.left >= a.right - 0.5 : b.top >= a.bottom - 0.5;
          expect(apart, `${c.id}: ${axis} tick labels "${a.text}" and "${b.text}" overlap`).toBe(true);
        }
      }
    }
  }

  /** Each name has one colour wherever a legend shows it; returns name → colour. */
  function checkColours(layout: Layout, names: readonly string[]): Map<string, string> {
    const seen = new Map<string, string>();
    for (const c of layout.charts) {
      for (const [label, colour] of Object.entries(c.swatches)) {
        if (!names.includes(label)) continue;
        expect(colour, `${label} in ${c.id}`).toBe(seen.get(label) ?? colour);
        seen.set(label, colour);
      }
    }
    return seen;
  }

  it('a batch of runs: every chart of each scenario has marks', async () => {
    const { dir, names } = runBatch();
    const { marks, errors, requests, layout } = await open(dir, 'runs');
    const expected = [
      'ttft-cdf',
      'tpot-cdf',
      'ttft-over-time',
      'tpot-over-time',
      'pool-queue',
      'pool-busy',
      'time-breakdown',
      ...names.flatMap((n) => [`heatmap-${n}`, `heatmap-mfu-${n}`, `links-${n}`]),
    ];
    // One colour per scenario on every chart: distinct scenarios, distinct colours, and
    // the lines of each chart drawn in exactly the colours of its scenarios.
    const colours = checkColours(layout, names);
    expect([...colours.keys()].sort()).toEqual([...names].sort());
    expect(new Set(colours.values()).size).toBe(names.length);
    for (const id of ['ttft-cdf', 'tpot-cdf', 'ttft-over-time', 'tpot-over-time', 'pool-queue', 'pool-busy']) {
      const c = layout.charts.find((x) => x.id === id)!;
      expect(Object.keys(c.swatches).sort(), id).toEqual([...names].sort());
      expect(new Set(c.strokes), id).toEqual(new Set(colours.values()));
    }
    checkTicks(layout);
    for (const t of layout.tables) expect(t.width).toBeLessThanOrEqual(t.room);
    for (const id of expected) expect(marks[id], id).toBeGreaterThan(0);
    // One line per scenario on the CDFs; one bar segment per stage and scenario.
    expect(marks['ttft-cdf']).toBe(names.length);
    expect(marks['time-breakdown']).toBe(6 * names.length);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('a sweep: each metric against each varied parameter', async () => {
    const { report, marks, errors, layout } = await open(await sweepFolder(), 'sweep');
    expect(report.charts.length).toBeGreaterThanOrEqual(2 * 8);
    for (const c of report.charts) expect(marks[c.id], c.id).toBe(4); // 4 grid points
    // Latency metrics carry their unit on the ticks (a TPOT of 0.00085 s reads "0.85 ms").
    expect(layout.charts.filter((c) => c.timeAxes.includes('y')).length).toBeGreaterThanOrEqual(2 * 3);
    checkTicks(layout);
    const series = [...new Set(layout.charts.flatMap((c) => Object.keys(c.swatches)))];
    expect(series.length).toBeGreaterThan(1);
    checkColours(layout, series);
    expect(errors).toEqual([]);
  });

  it('a plan: the Pareto chart with the recommendation', async () => {
    const { report, marks, errors, layout } = await open(await planFolder(), 'plan');
    expect(marks['plan-pareto']).toBeGreaterThan(3);
    // Every point is numbered beside it (the key is the design table), the hardware family a symbol.
    const designs = (
      report.html.match(/<section id="designs">[\s\S]*?<\/section>/)?.[0].match(/<tr><td>\d+<\/td>/g) ?? []
    ).length;
    expect(designs).toBeGreaterThan(3);
    expect(marks['plan-pareto']).toBe(designs + 1); // each design's dot, and the ring round the recommendation
    checkTicks(layout);
    expect(errors).toEqual([]);
  });
});
