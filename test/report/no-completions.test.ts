// A run in which no request completes still gets a report: empty latency charts that
// say why, and the summary table with its counts.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../sim/cli/main.js';
import { checkScenario } from '../../sim/index.js';
import { buildReport, readResults } from '../../sim/report/index.js';
import { NONE_COMPLETED } from '../../sim/report/charts.js';
import { runScenarioToFolder } from '../../sim/run-to-folder.js';
import { baseScenario } from '../helpers/base-scenario.js';

/**
 * Llama 3.1 70B on one trn2 replica (2 devices) holds 135,605 tokens of KV (splitsim
 * catalog): a 140,000-token prompt can never be prefilled, so every request is rejected.
 */
const rejectedAll = {
  name: 'rejected-all',
  seed: 1,
  duration_s: 20,
  warmup_s: 0,
  model: 'llama-3.1-70b',
  datacenter: { racks: [{ name: 'r', nodes: [{ hardware: 'trn2', role: 'mixed' }] }], network: { kv_transfer: 'off' } },
  workload: {
    arrivals: { process: 'poisson', rate_per_s: 2 },
    prompt_tokens: { dist: 'constant', value: 140_000 },
    output_tokens: { dist: 'constant', value: 10 },
  },
  slo: { ttft_s: 1, tpot_s: 0.05, quantile: 0.9 },
};

/** Arrivals so rare that a 2-second run has none. */
const noArrivals = {
  ...baseScenario(),
  name: 'no-arrivals',
  duration_s: 2,
  warmup_s: 0,
  drain_s: 0,
  workload: { ...baseScenario().workload, arrivals: { process: 'poisson', rate_per_s: 1e-6 } },
};

const LATENCY_CHARTS = ['ttft-cdf', 'tpot-cdf', 'ttft-over-time', 'tpot-over-time'];

describe('a report of runs that completed no request', () => {
  afterEach(() => vi.restoreAllMocks());

  it('draws the latency charts empty with the reason, and keeps the summary table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-nocompl-'));
    const run = runScenarioToFolder(checkScenario(rejectedAll, 'rejected-all.json'), join(dir, 'rejected-all'));
    expect(run.summary.completed).toBe(0);
    const rejected = run.summary.rejected;
    expect(rejected).toBeGreaterThan(10); // ~40 arrivals expected over 20 s at 2/s

    const report = buildReport(readResults(join(dir, 'rejected-all')));
    for (const id of LATENCY_CHARTS) {
      const chart = report.charts.find((c) => c.id === id);
      expect(chart?.mark, id).toBe('text');
      expect(chart?.html, id).toContain(NONE_COMPLETED);
    }
    expect(report.html).toContain('No request completed after warm-up in rejected-all');
    // The summary table: the scenario's row with its request and rejection counts.
    const row = /<tr><td>rejected-all<\/td>((?:<td>[^<]*<\/td>)+)<\/tr>/.exec(report.html)?.[1] ?? '';
    const cells = [...row.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(cells.slice(0, 4)).toEqual([String(rejected), '0', String(rejected), '0']);
  });

  it('splitsim run --report exits 0 and writes report.html, beside a run with no request at all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-nocompl-cli-'));
    writeFileSync(join(dir, 'rejected-all.json'), JSON.stringify(rejectedAll));
    writeFileSync(join(dir, 'no-arrivals.json'), JSON.stringify(noArrivals));
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const out = join(dir, 'out');
    const status = await main([
      'run',
      join(dir, 'rejected-all.json'),
      join(dir, 'no-arrivals.json'),
      '--out',
      out,
      '--report',
      '--quiet',
    ]);
    expect(status, errors.join('\n')).toBe(0);
    expect(errors).toEqual([]);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('No request completed after warm-up in rejected-all, no-arrivals');
    // And `splitsim report` of one of them alone.
    expect(await main(['report', join(out, 'no-arrivals')])).toBe(0);
    expect(existsSync(join(out, 'no-arrivals', 'report.html'))).toBe(true);
  });
});
