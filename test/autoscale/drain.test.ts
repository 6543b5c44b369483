// Scale-in drains: no request is dropped or restarted when instances are switched off,
// on the performance model with KV hand-offs over the network and fast-forwarded decode
// runs, as the load rises and falls; with failures too (a failure is not a scale-in).
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import type { RunResult } from '../../sim/run.js';
import { column } from '../helpers/queueing.js';
import { expectRunConserved } from '../helpers/conservation.js';

function dayScenario(faults: boolean, stepping: 'fast-forward' | 'exact' = 'fast-forward') {
  const scaled = (policy: object) => ({
    min: 1,
    max: 6,
    interval_s: 10,
    window_s: 30,
    scale_in_cooldown_s: 30,
    provisioning_s: 20,
    ...policy,
  });
  return checkScenario(
    {
      name: 'drain',
      seed: 5,
      duration_s: 600,
      model: 'llama-3.1-8b',
      datacenter: {
        racks: [
          {
            name: 'r',
            nodes: [
              {
                hardware: 'h100-sxm',
                devices: 1,
                count: 1,
                role: 'prefill',
                autoscale: scaled({ policy: 'utilization', target: 0.4 }),
              },
              {
                hardware: 'h100-sxm',
                devices: 1,
                count: 1,
                role: 'decode',
                autoscale: scaled({ policy: 'queue', target: 12 }),
              },
            ],
          },
        ],
        network: { kv_transfer: 'network', spine_gbps: 400, latency_us: 10 },
      },
      workload: {
        // One cycle over the run: quiet, a peak ~19× the trough at 300 s, quiet again.
        arrivals: {
          process: 'diurnal',
          sinusoid: { mean_rate_per_s: 20, amplitude: 0.9, period_s: 600, phase_s: 150 },
        },
        prompt_tokens: { dist: 'lognormal', median: 1500, sigma: 0.6, max: 8000 },
        output_tokens: { dist: 'lognormal', median: 200, sigma: 0.6, max: 2000 },
      },
      scheduling: { router: 'least-work', decode_stepping: stepping },
      slo: { ttft_s: 2, tpot_s: 0.05 },
      ...(faults ? { faults: { random: [{ mtbf_s: 120, mttr_s: 15 }] } } : {}),
    },
    'drain.json',
  );
}

/** Mean instances on per window of a pool. */
function on(r: RunResult, pool: string): number[] {
  const t = r.tables.pools;
  const name = t.getChild('pool')!;
  return column(t, 'instances_on_mean').filter((_, i) => name.get(i) === pool);
}

describe('a run that scales both ways', () => {
  let r: RunResult;
  beforeAll(() => {
    r = runScenario(dayScenario(false));
  });

  it('scales each pool out and back in', () => {
    for (const pool of ['prefill', 'decode']) {
      const series = on(r, pool);
      const peak = Math.max(...series);
      const k = series.indexOf(peak);
      expect(peak, pool).toBeGreaterThanOrEqual(3);
      expect(Math.min(...series.slice(k)), pool).toBeLessThan(peak - 1);
    }
  });

  it('conserves every request: each id once, all completed, none retried or restarted', () => {
    expectRunConserved(r);
    expect(r.summary.completed).toBe(r.summary.requests);
    expect(r.summary.requests_retried).toBe(0);
    expect(r.summary.retries).toBe(0);
  });

  it('charges on-time only: instance_hours below all six pairs on for the span', () => {
    expect(r.summary.instance_hours!).toBeGreaterThan((2 * 600) / 3600);
    expect(r.summary.instance_hours!).toBeLessThan((12 * 600) / 3600);
    // Price follows: an H100 is $4.916/hour.
    expect(r.summary.cost_per_hour_usd! / ((r.summary.instance_hours! * 4.916) / (600 / 3600))).toBeCloseTo(1, 9);
  });

  it('an off instance draws nothing: power_w_mean 0 in windows it was off throughout', () => {
    const t = r.tables.nodes;
    const power = column(t, 'power_w_mean');
    const busy = column(t, 'busy_frac');
    const zero = power.filter((p, i) => p === 0 && busy[i] === 0).length;
    expect(zero).toBeGreaterThan(0);
    expect(Math.min(...power)).toBeGreaterThanOrEqual(0);
  });

  it('exact stepping drains the same way (conserved, nothing restarted)', () => {
    const exact = runScenario(dayScenario(false, 'exact'));
    expectRunConserved(exact);
    expect(exact.summary.completed).toBe(exact.summary.requests);
    expect(exact.summary.retries).toBe(0);
  });
});

describe('autoscaling with random failures', () => {
  it('conserves every request; failures displace requests (retries) but switch nothing off', () => {
    const r = runScenario(dayScenario(true));
    expectRunConserved(r);
    expect(r.summary.instance_failures).toBeGreaterThan(0);
    expect(r.summary.unfinished).toBe(0);
  });
});
