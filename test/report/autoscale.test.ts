// A report of runs with autoscaled pools draws the instances on and the power per pool
// over time, from pools.arrow's own numbers; one without autoscaling does not.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario } from '../../sim/index.js';
import { writeTable } from '../../sim/metrics/write.js';
import { summaryTable } from '../../sim/metrics/summary.js';
import { buildReport, readResults } from '../../sim/report/index.js';
import { autoscaled, numbers, poolSeries } from '../../sim/report/run-data.js';
import { runScenarioToFolder } from '../../sim/run-to-folder.js';
import { splitScenario } from './fixtures.js';

function scaled(): Record<string, unknown> {
  const s = splitScenario('scaled', 3) as any;
  s.duration_s = 60;
  s.workload.arrivals = {
    process: 'diurnal',
    sinusoid: { mean_rate_per_s: 10, amplitude: 0.9, period_s: 60, phase_s: 15 },
  };
  s.datacenter.racks[1].nodes[0].count = 1;
  s.datacenter.racks[1].nodes[0].autoscale = {
    min: 1,
    max: 3,
    policy: 'queue',
    target: 8,
    interval_s: 2,
    window_s: 4,
    provisioning_s: 1,
    scale_in_cooldown_s: 4,
  };
  return s;
}

let runs: Extract<ReturnType<typeof readResults>, { kind: 'runs' }>;
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-report-autoscale-'));
  const specs = [scaled(), splitScenario('fixed', 3)];
  const summaries = specs.map(
    (s) => runScenarioToFolder(checkScenario(s, `${s.name}.json`), join(dir, s.name as string)).summary,
  );
  writeTable(join(dir, 'summary.arrow'), summaryTable(summaries));
  runs = readResults(dir) as typeof runs;
});

describe('instances and power over time', () => {
  it('the autoscaled run is recognised as such; the static one is not', () => {
    const [a, b] = runs.runs;
    expect(autoscaled(a!.pools)).toBe(true);
    expect(autoscaled(b!.pools)).toBe(false);
  });

  it('the chart rows are pools.arrow instances_on_mean and power_w_mean (in kW)', () => {
    const p = runs.runs[0]!.pools;
    const rows = poolSeries(p);
    const on = numbers(p, 'instances_on_mean');
    const power = numbers(p, 'power_w_mean');
    rows.forEach((r, i) => {
      expect(r.on).toBe(on[i]);
      expect(r.power_kw).toBe(power[i]! / 1000);
    });
    expect(Math.min(...rows.filter((r) => r.pool === 'decode').map((r) => r.on))).toBeLessThan(3);
  });

  it('draws pool-instances and pool-power with the runs, and only when a run autoscaled', () => {
    const ids = buildReport(runs).charts.map((c) => c.id);
    expect(ids).toContain('pool-instances');
    expect(ids).toContain('pool-power');
    const fixedOnly = { ...runs, runs: runs.runs.slice(1) };
    const plain = buildReport(fixedOnly).charts.map((c) => c.id);
    expect(plain).not.toContain('pool-instances');
    expect(plain).not.toContain('pool-power');
  });
});
