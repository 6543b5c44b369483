// The built-in day (scenarios/day): the AWS split and all-H100, each sized statically for
// the peak and autoscaled, under the same 24-hour cycle compressed into an hour.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type RunResult, runScenario } from '../../sim/index.js';
import { column } from '../helpers/queueing.js';

const dir = join(import.meta.dirname, '../../scenarios/day');
const run = (name: string) => runScenario(loadScenario(join(dir, `${name}.json`)));

/** Mean instances on of a pool in the windows starting in [from_s, to_s). */
function onBetween(r: RunResult, pool: string, from_s: number, to_s: number): number {
  const t = r.tables.pools;
  const name = t.getChild('pool')!;
  const start = column(t, 'window_start_s');
  const on = column(t, 'instances_on_mean').filter(
    (_, i) => name.get(i) === pool && start[i]! >= from_s && start[i]! < to_s,
  );
  return on.reduce((a, b) => a + b, 0) / on.length;
}

for (const design of ['aws-split', 'h100-split']) {
  describe(`${design}: static for the peak vs autoscaled over the day`, () => {
    let fixed: RunResult;
    let scaled: RunResult;
    beforeAll(() => {
      fixed = run(`${design}-day-static`);
      scaled = run(`${design}-day-autoscaled`);
    });

    it('serve the same requests, all completed, both meeting the SLO', () => {
      expect(scaled.summary.requests).toBe(fixed.summary.requests);
      expect(scaled.summary.completed).toBe(scaled.summary.requests);
      expect(fixed.summary.slo_met).toBe(true);
      expect(scaled.summary.slo_met).toBe(true);
    });

    it(
      'autoscaled: fewer instance-hours, lower cost and energy; ' +
        'about the same peak draw (both run the peak sizing at noon)',
      () => {
        expect(scaled.summary.instance_hours!).toBeLessThan(0.95 * fixed.summary.instance_hours!);
        expect(scaled.summary.cost_per_hour_usd!).toBeLessThan(0.95 * fixed.summary.cost_per_hour_usd!);
        expect(scaled.summary.energy_kwh!).toBeLessThan(0.95 * fixed.summary.energy_kwh!);
        expect(scaled.summary.peak_power_kw!).toBeLessThan(fixed.summary.peak_power_kw! * 1.01);
      },
    );

    it('follows the load: more prefill instances on around noon (1,800 s) than around midnight', () => {
      expect(onBetween(scaled, 'prefill', 1500, 2100)).toBeGreaterThan(onBetween(scaled, 'prefill', 0, 600) + 0.5);
      expect(onBetween(fixed, 'prefill', 1500, 2100)).toBe(onBetween(fixed, 'prefill', 0, 600));
    });
  });
}
