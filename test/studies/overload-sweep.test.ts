// Sweeps mark overloaded points: a column in summary.arrow and a mark in the printed table.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPoints } from '../../sim/cli/format.js';
import { buildReport, readResults } from '../../sim/report/index.js';
import { runSweep } from '../../sim/studies/sweep-command.js';
import { baseScenario } from '../helpers/base-scenario.js';

describe('a sweep across the capacity of an M/M/4 pool (8 requests/s)', () => {
  it('marks the point past capacity overloaded, not the one below', async () => {
    const s = baseScenario();
    s.name = 'mm4';
    s.duration_s = 1000;
    s.warmup_s = 100;
    s.datacenter.racks = [
      {
        name: 'pre',
        nodes: [{ count: 4, role: 'prefill', service: { prefill: { dist: 'exponential', mean_s: 0.5 } } }],
      },
      {
        name: 'dec',
        nodes: [{ count: 1, role: 'decode', service: { decode: { dist: 'deterministic', value_s: 1e-6 } } }],
      },
    ];
    s.scheduling = { router: 'pool-fcfs' };
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-overload-sweep-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify(s));
    // ρ = 0.5 and ρ = 1.125: the second queue grows by ~1 request/s, ~900 over the period.
    writeFileSync(
      join(dir, 'sweep.json'),
      JSON.stringify({
        name: 'cliff',
        base: 'base.json',
        vary: { 'workload.arrivals.rate_per_s': [4, 9] },
        replications: 1,
      }),
    );
    const outcome = await runSweep(join(dir, 'sweep.json'), { out: join(dir, 'out'), workers: 1 });
    const rows = outcome.summary!.toArray().map((r) => r.toJSON() as Record<string, unknown>);
    const points = rows.filter((r) => r.row_kind === 'point');
    expect(points.map((p) => p.overloaded)).toEqual([false, true]);
    expect(rows.filter((r) => r.row_kind === 'run').map((r) => r.overloaded)).toEqual([false, true]);
    const printed = formatPoints(outcome.plan, outcome.summary!).split('\n');
    expect(printed[0]).toMatch(/overload$/);
    expect(printed[2]).not.toMatch(/!$/);
    expect(printed[3]).toMatch(/!$/);
    expect(printed.at(-1)).toMatch(/^! overloaded/);
    // The sweep report marks the point past the cliff on every metric's chart, once.
    const report = buildReport(readResults(outcome.dir));
    const throughput = report.charts.find((c) => c.title.startsWith('throughput'))!;
    expect(throughput.caption).toMatch(/marked “overloaded” \(1\)/);
    expect(throughput.html.match(/>overloaded</g)).toHaveLength(1);
  });
});
