// The slo policy and failures in an autoscaled group, end to end (queueing mode).
import { beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/index.js';
import type { RunResult } from '../../sim/run.js';
import { column } from '../helpers/queueing.js';
import { expectRunConserved } from '../helpers/conservation.js';
import { prefillOn, stepScenario } from './helpers.js';

describe('slo policy: one instance more per decision while TTFT misses its bound', () => {
  // λ steps from 2 to 7.6 req/s at 1,000 s (E[S] = 1 s, exponential): 3 instances are
  // overloaded after it, and the pool needs at least 8 to be stable. Before it, M/M/3 at
  // ρ = 2/3 keeps ~99.8% of TTFTs under 8 s (P(S > 8) = e⁻⁸, waits rarely past a few
  // seconds). Scale-in needs 99% within 6 s (scale_in_ratio 0.75): P(S > 6) = 0.25%. A
  // 60 s window of completions: the backlog of the step drives it past what it needs.
  let r: RunResult;
  beforeAll(() => {
    r = runScenario(
      stepScenario({
        before: 2,
        after: 7.6,
        step_s: 1000,
        duration_s: 4000,
        count: 3,
        min: 3,
        max: 30,
        target: 0.99,
        provisioning_s: 0,
        policy: { policy: 'slo', scale_in_ratio: 0.75, window_s: 60 },
        slo: { ttft_s: 8, quantile: 0.99 },
      }),
    );
  });

  it('holds 3 before the step (min 3; 99% meet 8 s)', () => {
    for (const w of prefillOn(r).filter((w) => w.start >= 200 && w.start < 1000)) expect(w.on).toBe(3);
  });

  it(
    'grows one step per decision past the stability bound (8) after the step; ' +
      'once TTFTs meet 6 s it steps back in, settling at 8 to 10',
    () => {
      const peak = Math.max(...prefillOn(r).map((w) => w.on));
      expect(peak).toBeGreaterThan(10);
      const late = prefillOn(r).filter((w) => w.start >= 3000 && w.start < 4000);
      for (const w of late) {
        expect(w.on).toBeGreaterThanOrEqual(8);
        expect(w.on).toBeLessThanOrEqual(10);
      }
      expectRunConserved(r);
      expect(r.summary.completed).toBe(r.summary.requests);
    },
  );
});

describe('a failure is not a scale-in', () => {
  // λ·E[S] = 2, ρ* = 0.8: settled at 3 (min 3). One of the three fails for 600 s.
  let r: RunResult;
  beforeAll(() => {
    r = runScenario(
      stepScenario({
        before: 2,
        after: 2,
        step_s: 1000,
        duration_s: 3000,
        count: 3,
        min: 3,
        max: 10,
        target: 0.8,
        provisioning_s: 0,
        faults: { instances: [{ instance: 'p-0/prefill-0', at_s: 1200, repair_s: 600 }] },
      }),
    );
  });

  it('the failed instance stays on (counted, paid for) while down; the pool never drops below 3 on', () => {
    const t = r.tables.nodes;
    const node = t.getChild('node')!;
    const start = column(t, 'window_start_s');
    const up = column(t, 'up_frac');
    const down = up.filter((u, i) => node.get(i) === 'p-0/prefill-0' && start[i]! >= 1200 && start[i]! < 1800);
    expect(down.length).toBe(6);
    for (const u of down) expect(u).toBe(0);
    for (const w of prefillOn(r).filter((w) => w.start >= 1200 && w.start < 1800))
      expect(w.on).toBeGreaterThanOrEqual(3);
    expect(r.summary.instance_failures).toBe(1);
    expectRunConserved(r);
  });
});
