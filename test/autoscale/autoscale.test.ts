// Autoscaling by hand (issue 21, Evidence): a step in the arrival rate settles a
// target-utilisation pool at ⌈λ·E[S]/ρ*⌉; a provisioning delay D keeps a new instance
// from serving until D after the decision; min = max changes nothing at all.
import { tableToIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import type { RunResult } from '../../sim/run.js';
import { column } from '../helpers/queueing.js';
import { expectRunConserved } from '../helpers/conservation.js';
import { prefillOn, stepScenario } from './helpers.js';

const STEP_S = 2000;

describe('a step in arrival rate, instant provisioning, target utilisation ρ* = 0.8', () => {
  // E[S] = 1 s. Before the step λ = 2: ⌈2 · 1 / 0.8⌉ = ⌈2.5⌉ = 3; after it λ = 7.6: ⌈9.5⌉ = 10.
  // Both quotients sit half an instance from an integer, so the trailing window's noise
  // (a 600 s mean of the busy count) does not move the ceiling.
  let r: RunResult;
  beforeAll(() => {
    r = runScenario(
      stepScenario({
        before: 2,
        after: 7.6,
        step_s: STEP_S,
        duration_s: 6000,
        count: 1,
        min: 1,
        max: 30,
        target: 0.8,
        provisioning_s: 0,
      }),
    );
  });

  it('settles at ⌈λ·E[S]/ρ*⌉ = 3 before the step (from count 1)', () => {
    const settled = prefillOn(r).filter((w) => w.start >= 1000 && w.start < STEP_S);
    expect(settled.length).toBe(10);
    for (const w of settled) expect(w.on).toBe(3);
  });

  it('settles at ⌈λ·E[S]/ρ*⌉ = 10 after it, and the busy fraction of those on is near ρ* · 9.5/10', () => {
    const late = prefillOn(r).filter((w) => w.start >= 5000 && w.start < 6000);
    expect(late.length).toBe(10);
    for (const w of late) expect(w.on).toBe(10);
    const busy = column(r.tables.pools, 'busy_frac').filter((_, i) => {
      const start = column(r.tables.pools, 'window_start_s')[i]!;
      return r.tables.pools.getChild('pool')!.get(i) === 'prefill' && start >= 5000 && start < 6000;
    });
    const mean = busy.reduce((a, b) => a + b, 0) / busy.length;
    expect(mean).toBeGreaterThan(0.7);
    expect(mean).toBeLessThan(0.82);
  });

  it('loses no request (every id once, all completed)', () => {
    expectRunConserved(r);
    expect(r.summary.completed).toBe(r.summary.requests);
  });
});

describe('with a provisioning delay D = 120 s', () => {
  let r: RunResult;
  let startsOff: Set<string>;
  beforeAll(() => {
    const s = stepScenario({
      before: 2,
      after: 7.6,
      step_s: STEP_S,
      duration_s: 3000,
      count: 3,
      min: 3,
      max: 20,
      target: 0.8,
      provisioning_s: 120,
    });
    startsOff = new Set(s.instances.filter((i) => i.startsOff).map((i) => i.name));
    r = runScenario(s);
  });

  it(
    'the first new instance serves its first request no earlier than D ' +
      'after the decision (itself at or after the step)',
    () => {
      const node = r.tables.requests.getChild('prefill_node')!;
      const start = column(r.tables.requests, 'prefill_start_s');
      let first = Infinity;
      for (let i = 0; i < r.tables.requests.numRows; i++)
        if (startsOff.has(node.get(i) as string)) first = Math.min(first, start[i]!);
      // Decisions are at multiples of 30 s: the first one after the step is at 2010 s.
      expect(first).toBeGreaterThanOrEqual(2010 + 120);
      // …and it does serve soon after (a bound that is not vacuous): within a few decisions.
      expect(first).toBeLessThan(STEP_S + 120 + 300);
    },
  );

  it('pays for it from the decision: on-time includes provisioning', () => {
    const rows = prefillOn(r);
    const during = rows.find((w) => w.start === 2100)!;
    // Some instance was ordered by 2100 s; none could serve before 2130 s.
    expect(during.on).toBeGreaterThan(3);
  });
});

describe('min = max reproduces the static run byte for byte', () => {
  const base = (autoscale: boolean, faults: boolean) => ({
    name: 'same',
    seed: 3,
    duration_s: 60,
    warmup_s: 10,
    model: 'llama-3.1-8b',
    datacenter: {
      racks: [
        {
          name: 'r',
          count: 2,
          nodes: [
            {
              hardware: 'h100-sxm',
              devices: 1,
              count: 2,
              role: 'prefill',
              ...(autoscale
                ? { autoscale: { min: 2, max: 2, policy: 'utilization', target: 0.5, interval_s: 5, window_s: 10 } }
                : {}),
            },
            {
              hardware: 'h100-sxm',
              devices: 1,
              count: 3,
              role: 'decode',
              ...(autoscale
                ? { autoscale: { min: 3, max: 3, policy: 'queue', target: 4, interval_s: 5, window_s: 10 } }
                : {}),
            },
          ],
        },
      ],
      network: { kv_transfer: 'network', spine_gbps: 800, latency_us: 10 },
    },
    workload: {
      arrivals: { process: 'poisson', rate_per_s: 12 },
      prompt_tokens: { dist: 'lognormal', median: 800, sigma: 0.8, max: 8000 },
      output_tokens: { dist: 'lognormal', median: 150, sigma: 0.8, max: 2000 },
    },
    slo: { ttft_s: 1, tpot_s: 0.05 },
    ...(faults ? { faults: { random: [{ role: 'decode', mtbf_s: 30, mttr_s: 5 }] } } : {}),
  });

  for (const faults of [false, true]) {
    it(`${faults ? 'with random decode failures' : 'a split datacenter'}: every table, and the events fired`, () => {
      const a = runScenario(checkScenario(base(false, faults), 'static.json'));
      const b = runScenario(checkScenario(base(true, faults), 'autoscaled.json'));
      for (const name of ['requests', 'nodes', 'pools', 'links', 'summary'] as const) {
        expect(Buffer.from(tableToIPC(b.tables[name])).equals(Buffer.from(tableToIPC(a.tables[name]))), name).toBe(
          true,
        );
      }
      expect(b.stats.events).toBe(a.stats.events);
      if (faults) expect(a.summary.instance_failures).toBeGreaterThan(0);
    });
  }
});
