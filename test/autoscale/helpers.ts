import { checkScenario, type ResolvedScenario } from '../../sim/index.js';
import type { RunResult } from '../../sim/run.js';
import { column } from '../helpers/queueing.js';

/**
 * Queueing mode: a prefill group that autoscales on exponential service times (mean
 * 1 s, so E[S] is known) behind pool-fcfs, a fixed decode group of near-instant service.
 * Arrivals: Poisson at `before` req/s, stepping to `after` at `step_s`.
 */
export function stepScenario(o: {
  before: number;
  after: number;
  step_s: number;
  duration_s: number;
  count: number;
  min: number;
  max: number;
  target: number;
  provisioning_s: number;
  seed?: number;
  /** Another policy than utilization at `target` (slo: against `slo`). */
  policy?: { policy: 'slo' | 'queue'; target?: number; scale_in_ratio?: number; window_s?: number };
  slo?: { ttft_s: number; quantile: number };
  faults?: object;
}): ResolvedScenario {
  return checkScenario(
    {
      ...(o.slo ? { slo: o.slo } : {}),
      ...(o.faults ? { faults: o.faults } : {}),
      name: 'autoscale-step',
      seed: o.seed ?? 1,
      duration_s: o.duration_s,
      datacenter: {
        racks: [
          {
            name: 'p',
            nodes: [
              {
                count: o.count,
                role: 'prefill',
                service: { prefill: { dist: 'exponential', mean_s: 1 } },
                autoscale: {
                  min: o.min,
                  max: o.max,
                  policy: 'utilization',
                  target: o.target,
                  provisioning_s: o.provisioning_s,
                  window_s: 600,
                  interval_s: 30,
                  scale_in_cooldown_s: 300,
                  ...o.policy,
                },
              },
            ],
          },
          {
            name: 'd',
            nodes: [{ count: 1, role: 'decode', service: { decode: { dist: 'deterministic', value_s: 1e-6 } } }],
          },
        ],
        network: { kv_transfer: 'off' },
      },
      workload: {
        arrivals: {
          process: 'diurnal',
          points: [
            { t_s: 0, rate_per_s: o.before },
            { t_s: o.step_s - 1e-6, rate_per_s: o.before },
            { t_s: o.step_s, rate_per_s: o.after },
          ],
        },
        prompt_tokens: { dist: 'constant', value: 100 },
        output_tokens: { dist: 'constant', value: 2 },
      },
      scheduling: { router: 'pool-fcfs' },
      metrics: { window_s: 100 },
    },
    'step.json',
  );
}

/** The prefill pool's rows of pools.arrow: window start and mean instances on. */
export function prefillOn(r: RunResult): Array<{ start: number; on: number }> {
  const t = r.tables.pools;
  const pool = t.getChild('pool')!;
  const start = column(t, 'window_start_s');
  const on = column(t, 'instances_on_mean');
  return on.flatMap((n, i) => (pool.get(i) === 'prefill' ? [{ start: start[i]!, on: n }] : []));
}
