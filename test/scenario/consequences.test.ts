// Numbers that pass the schema but would break the run: refused by what they imply
// (requests, requests held at once, failures, times), at the field to change.
import { randomLcg } from 'd3-random';
import { describe, expect, it } from 'vitest';
import { checkScenario, InputError, runScenario } from '../../sim/index.js';
import { inFlightLimit, MAX_IN_FLIGHT, MAX_TIME_S } from '../../sim/scenario/limits.js';
import { expectedGammaArrivals, interArrival } from '../../sim/workload/arrivals.js';
import { serviceTime } from '../../sim/serving/service-time.js';
import { edited } from '../helpers/base-scenario.js';
import { problems } from '../helpers/problems.js';

/** The base scenario on the performance model (Llama 3.1 8B on H100s, KV over the network). */
function physics(s: Record<string, any>): void {
  s.model = 'llama-3.1-8b';
  for (const rack of s.datacenter.racks) {
    rack.uplink_gbps = 800;
    for (const g of rack.nodes) {
      delete g.service;
      g.hardware = 'h100-sxm';
      g.devices = 1;
    }
  }
  s.datacenter.network = { kv_transfer: 'network', spine_gbps: 1600, latency_us: 5 };
  s.workload.prompt_tokens.max = 8192;
}

const MAX = Number.MAX_VALUE;

describe('consequences of extreme numbers', () => {
  // Each: an edit, the field that must be named, words of the message.
  const refused: Array<[string, (s: Record<string, any>) => void, string, RegExp]> = [
    [
      'gamma cv 1e6 (out of heap before)',
      (s) => (s.workload.arrivals = { process: 'gamma', rate_per_s: 2, cv: 1e6 }),
      'workload.arrivals.cv',
      /would generate about 4\.\d\de\+10 requests over duration_s/,
    ],
    [
      'gamma cv 1e4: a burst held at once',
      (s) => (s.workload.arrivals = { process: 'gamma', rate_per_s: 2, cv: 1e4 }),
      'workload.arrivals.cv',
      /about 5\.\d\de\+6 requests within its first mean gap .* the limit is 2\.00e\+6/,
    ],
    [
      'gamma cv at the largest double',
      (s) => (s.workload.arrivals = { process: 'gamma', rate_per_s: 2, cv: MAX }),
      'workload.arrivals.cv',
      /would generate about Infinity requests/,
    ],
    [
      'poisson rate × duration',
      (s) => (s.workload.arrivals.rate_per_s = 1e8),
      'workload.arrivals.rate_per_s',
      /about 2\.00e\+10 requests \(rate × duration_s\); the limit is 1e\+9/,
    ],
    [
      'a service mean that overflows its draws',
      (s) => (s.datacenter.racks[0].nodes[0].service.prefill.mean_s = MAX),
      'datacenter.racks[0].nodes[0].service.prefill.mean_s',
      /must be at most 9\.01e\+9 s \(2\^53 µs/,
    ],
    [
      'a deterministic service time of 1e300 s',
      (s) => (s.datacenter.racks[1].nodes[0].service.decode = { dist: 'deterministic', value_s: 1e300 }),
      'datacenter.racks[1].nodes[0].service.decode.value_s',
      /must be at most/,
    ],
    [
      'a latency in µs past 2^53 µs',
      (s) => (s.datacenter.network.latency_us = 1e16),
      'datacenter.network.latency_us',
      /must be at most 9\.01e\+15 µs .* got 10000000000000000/,
    ],
    ['an SLO of 1e300 s', (s) => (s.slo.ttft_s = 1e300), 'slo.ttft_s', /must be at most/],
    [
      'a diurnal period of 1e300 s',
      (s) =>
        (s.workload.arrivals = {
          process: 'diurnal',
          sinusoid: { mean_rate_per_s: 1, amplitude: 0.5, period_s: 1e300 },
        }),
      'workload.arrivals.sinusoid.period_s',
      /must be at most/,
    ],
    [
      'a planned repair of 1e300 s',
      (s) => (s.faults = { instances: [{ instance: 'pre-0/prefill-0', at_s: 1, repair_s: 1e300 }] }),
      'faults.instances[0].repair_s',
      /must be at most/,
    ],
    [
      'failures every nanosecond',
      (s) => (s.faults = { random: [{ role: 'decode', mtbf_s: 1e-9, mttr_s: 1e-9 }] }),
      'faults.random[0].mtbf_s',
      /3 instances failing every 1e-9 \+ 1e-9 s .* over 400 s would fail about 6\.00e\+11 times in all; the limit is 1\.00e\+7/,
    ],
    [
      'inline hardware of 1e-300 TFLOP/s',
      (s) => {
        physics(s);
        s.datacenter.racks[0].nodes[0].hardware = { id: 'slow', base: 'h100-sxm', bf16_tflops: 1e-300 };
      },
      'datacenter.racks[0].nodes[0].hardware',
      /a prefill of 8192 tokens on 1 × slow would take \d\.\d\de\+302 s/,
    ],
    [
      'memory bandwidth of 5e-324 TB/s',
      (s) => {
        physics(s);
        s.datacenter.racks[1].nodes[0].hardware = { id: 'slow', base: 'h100-sxm', memory_tbps: 5e-324 };
      },
      'datacenter.racks[1].nodes[0].hardware',
      /would take Infinity s/,
    ],
    [
      'an uplink of 5e-324 Gb/s',
      (s) => {
        physics(s);
        s.datacenter.racks[1].uplink_gbps = 5e-324;
      },
      'datacenter.racks[1].uplink_gbps',
      /moving one 8192-token prompt's KV \(1\.07e\+9 bytes\) at 5e-324 Gb\/s would take Infinity s/,
    ],
    [
      'a NIC of 1e-300 Gb/s',
      (s) => {
        physics(s);
        s.datacenter.racks[0].nodes[0].hardware = { id: 'slow', base: 'h100-sxm', nic_gbps: 1e-300 };
      },
      'datacenter.racks[0].nodes[0].hardware',
      /\(nic_gbps × devices\) would take/,
    ],
    [
      'a trace stretched by time_scale 1e-300',
      (s) => {
        delete s.duration_s;
        s.warmup_s = 0;
        s.workload = {
          arrivals: {
            process: 'trace',
            path: `${import.meta.dirname}/../fixtures/hostile/scenario/two-rows.csv`,
            format: 'azure-csv',
            time_scale: 1e-300,
          },
        };
      },
      'workload.arrivals.time_scale',
      /puts the trace's last arrival at 1\.00e\+300 s/,
    ],
  ];

  it.each(refused)('%s', (_label, edit, path, message) => {
    const found = problems(edited(edit));
    const match = found.find((p) => p.startsWith(`${path}: `));
    expect(match, `problems were:\n${found.join('\n')}`).toBeDefined();
    expect(match).toMatch(message);
  });

  // Values as extreme, whose consequences are harmless: they run, and end.
  const accepted: Array<[string, (s: Record<string, any>) => void]> = [
    ['gamma cv 300 (clusters of ~10^4)', (s) => (s.workload.arrivals = { process: 'gamma', rate_per_s: 2, cv: 300 })],
    ['gamma cv 1e-300 (evenly spaced)', (s) => (s.workload.arrivals = { process: 'gamma', rate_per_s: 2, cv: 1e-300 })],
    ['lognormal service cv 1e300', (s) => (s.datacenter.racks[1].nodes[0].service.decode.cv = 1e300)],
    [
      'a service mean of 1e9 s (never finishes in the horizon)',
      (s) => (s.datacenter.racks[0].nodes[0].service.prefill.mean_s = 1e9),
    ],
    ['a service mean of 5e-324 s', (s) => (s.datacenter.racks[0].nodes[0].service.prefill.mean_s = 5e-324)],
    // Thinning used to reject candidates forever once the rate stayed 0: the run hung.
    [
      'diurnal points ending at rate 0',
      (s) =>
        (s.workload.arrivals = {
          process: 'diurnal',
          points: [
            { t_s: 0, rate_per_s: 5 },
            { t_s: 10, rate_per_s: 0 },
          ],
        }),
    ],
    // 2π/period overflowed to ∞ and sin(∞) = NaN passed no candidate: no arrivals.
    [
      'a sinusoid period of 5e-324 s',
      (s) =>
        (s.workload.arrivals = {
          process: 'diurnal',
          sinusoid: { mean_rate_per_s: 2, amplitude: 0.5, period_s: 5e-324 },
        }),
    ],
  ];

  it.each(accepted)('%s: runs', (_label, edit) => {
    const r = runScenario(
      checkScenario(
        edited((s) => {
          s.duration_s = 30;
          s.warmup_s = 3;
          edit(s);
        }),
        'f.json',
      ),
    );
    expect(r.stats.generated).toBeGreaterThan(0);
    expect(r.summary.requests).toBe(r.stats.generated);
  });

  it('evenly spaces a gamma process whose cv is too small for 1/cv² (not NaN gaps and no arrivals)', () => {
    const gap = interArrival({ process: 'gamma', rate_per_s: 4, cv: 1e-300 }, randomLcg(1));
    expect([gap(), gap(), gap()]).toEqual([0.25, 0.25, 0.25]);
  });

  it('draws finite lognormal service times for any finite cv, with the mean for moderate cv', () => {
    for (const cv of [1e-300, 0.5, 1e10, 1e200, MAX]) {
      const draw = serviceTime({ dist: 'lognormal', mean_s: 2, cv }, randomLcg(3));
      const xs = Array.from({ length: 2000 }, draw);
      expect(
        xs.every((x) => Number.isFinite(x) && x >= 0),
        `cv ${cv}`,
      ).toBe(true);
    }
    const draw = serviceTime({ dist: 'lognormal', mean_s: 2, cv: 0.5 }, randomLcg(3));
    const mean = Array.from({ length: 20_000 }, draw).reduce((a, b) => a + b) / 20_000;
    expect(mean).toBeCloseTo(2, 1);
  });

  it('estimates a gamma process’s arrivals within a factor of 1.5 of simulation', () => {
    // Mean over 40 runs of the count in [0, T]: the estimate bounds requests and bursts.
    for (const [cv, T] of [
      [0.5, 100],
      [3, 30],
      [30, 30],
      [300, 30],
      [300, 0.5],
    ] as const) {
      const rate = 2;
      let total = 0;
      for (let r = 0; r < 40; r++) {
        const gap = interArrival({ process: 'gamma', rate_per_s: rate, cv }, randomLcg(r / 40));
        let t = gap();
        while (t < T) {
          total++;
          t += gap();
        }
      }
      const simulated = total / 40;
      const estimate = expectedGammaArrivals(rate, cv, T);
      expect(estimate / simulated, `cv ${cv}, T ${T}: estimate ${estimate}, simulated ${simulated}`).toBeGreaterThan(
        1 / 1.5,
      );
      expect(estimate / simulated, `cv ${cv}, T ${T}: estimate ${estimate}, simulated ${simulated}`).toBeLessThan(1.5);
    }
  });

  it('stops a run that falls behind by more requests than memory holds, naming the arrivals', () => {
    // 2 requests/s into servers that take 10 s each: the backlog passes 50 within a minute.
    const s = checkScenario(
      edited((x) => (x.datacenter.racks[0].nodes[0].service.prefill.mean_s = 10)),
      'f.json',
    );
    let err: unknown;
    try {
      runScenario(s, { maxInFlight: 50 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems[0]).toMatchObject({ path: 'workload.arrivals', file: 'f.json' });
    expect((err as InputError).message).toMatch(/50 requests were in flight at once at t = \d+\.?\d* s/);
    // The same scenario with room for its backlog runs to the end.
    expect(runScenario(s, { maxInFlight: 10_000 }).stats.generated).toBeGreaterThan(300);
  });

  it('sizes the in-flight limit to the heap: half of it at ~500 bytes a request, at most MAX_IN_FLIGHT', () => {
    expect(inFlightLimit(4.3e9)).toBe(MAX_IN_FLIGHT);
    expect(inFlightLimit(512 * 2 ** 20)).toBe(Math.floor((512 * 2 ** 20) / 1000));
    expect(MAX_TIME_S).toBe(9007199254.740991);
  });
});
