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
  console.warn(`report browser test skipped: no Chromium at ${CHROMIUM} (install Debian's "chromium" package, as .ci/run does, or set SPLITSIM_CHROMIUM)`);
}
const shots = join(import.meta.dirname, '../../results/test-report');

describe.skipIf(!available)('reports in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    // Flags as this machine needs them: no sandbox as root, no background network calls.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
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
    await page.close();
    return { report, marks, errors, requests };
  }

  it('a batch of runs: every chart of each scenario has marks', async () => {
    const { dir, names } = runBatch();
    const { marks, errors, requests } = await open(dir, 'runs');
    const expected = ['ttft-cdf', 'tpot-cdf', 'ttft-over-time', 'tpot-over-time', 'pool-queue', 'pool-busy', 'time-breakdown', ...names.flatMap((n) => [`heatmap-${n}`, `links-${n}`])];
    for (const id of expected) expect(marks[id], id).toBeGreaterThan(0);
    // One line per scenario on the CDFs; one bar segment per stage and scenario.
    expect(marks['ttft-cdf']).toBe(names.length);
    expect(marks['time-breakdown']).toBe(6 * names.length);
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('a sweep: each metric against each varied parameter', async () => {
    const { report, marks, errors } = await open(await sweepFolder(), 'sweep');
    expect(report.charts.length).toBeGreaterThanOrEqual(2 * 8);
    for (const c of report.charts) expect(marks[c.id], c.id).toBe(4); // 4 grid points
    expect(errors).toEqual([]);
  });

  it('a plan: the Pareto chart with the recommendation', async () => {
    const { marks, errors } = await open(await planFolder(), 'plan');
    expect(marks['plan-pareto']).toBeGreaterThan(3);
    expect(errors).toEqual([]);
  });
});
