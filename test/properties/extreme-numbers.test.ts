// Every numeric field of a valid scenario, set to each extreme double, either is
// refused as input (naming a field) or runs to the end: never an invariant error, a NaN
// or infinite time, or a run that does not end. Exhaustive (a few hundred short runs,
// about a second), so no case is left to chance.
import { describe, expect, it } from 'vitest';
import { checkScenario, InputError, runScenario } from '../../sim/index.js';
import { baseScenario } from '../helpers/base-scenario.js';

const EXTREMES = [0, Number.MIN_VALUE, 1e-300, 1e-9, 1e300, Number.MAX_VALUE, 2 ** 53 + 2];

/** Queueing mode with gamma arrivals and failures; the performance model over a network; diurnal points and sinusoid. */
function bases(): Array<Record<string, any>> {
  const q = baseScenario();
  q.duration_s = 20;
  q.warmup_s = 2;
  q.workload.arrivals = { process: 'gamma', rate_per_s: 2, cv: 2 };
  q.faults = {
    random: [{ role: 'prefill', mtbf_s: 30, mttr_s: 2 }],
    instances: [{ instance: 'dec-0/decode-0', at_s: 5, repair_s: 3 }],
  };
  const p = baseScenario();
  p.duration_s = 20;
  p.warmup_s = 2;
  p.model = { id: 'm', layers: 32, hidden: 4096, heads: 32, kv_heads: 8, head_dim: 128, ffn: 14336, vocab: 128256 };
  p.datacenter = {
    racks: [
      {
        name: 'pre',
        uplink_gbps: 800,
        nodes: [
          {
            hardware: {
              id: 'hw',
              base: 'h100-sxm',
              bf16_tflops: 900,
              memory_tbps: 3,
              nic_gbps: 400,
              overhead: { step_s: 0.001 },
            },
            devices: 1,
            count: 1,
            role: 'prefill',
          },
        ],
      },
      { name: 'dec', uplink_gbps: 800, nodes: [{ hardware: 'h100-sxm', devices: 1, count: 2, role: 'decode' }] },
    ],
    network: { kv_transfer: 'network', spine_gbps: 1600, latency_us: 5 },
  };
  p.workload.prompt_tokens.max = 8192;
  p.scheduling = { router: 'least-work', decode_max_batch: 64 };
  const d = structuredClone(q);
  d.workload.arrivals = {
    process: 'diurnal',
    points: [
      { t_s: 0, rate_per_s: 2 },
      { t_s: 10, rate_per_s: 1 },
    ],
  };
  const w = structuredClone(q);
  w.workload.arrivals = {
    process: 'diurnal',
    sinusoid: { mean_rate_per_s: 2, amplitude: 0.5, period_s: 10, phase_s: 1 },
  };
  return [q, p, d, w];
}

/** Paths of every number in a JSON value. */
function numericPaths(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'number') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => numericPaths(v, [...path, i]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => numericPaths(v, [...path, k]));
  return [];
}

describe('extreme numbers', () => {
  const cases = bases().flatMap((base, b) => numericPaths(base).map((path) => ({ b, path })));

  it('are refused naming a field, or run to the end', () => {
    let ran = 0;
    let refused = 0;
    for (const { b, path } of cases) {
      for (const value of EXTREMES) {
        const s = structuredClone(bases()[b] as Record<string, any>);
        let at: any = s;
        for (const key of path.slice(0, -1)) at = at[key];
        at[path[path.length - 1] as string | number] = value;
        const label = `${path.join('.')} = ${value}`;
        let scenario;
        try {
          scenario = checkScenario(s, 'extreme.json');
        } catch (err) {
          if (!(err instanceof InputError)) throw new Error(`${label}: ${String(err)}`);
          expect(
            err.problems.every((p) => p.path !== ''),
            label,
          ).toBe(true);
          refused++;
          continue;
        }
        const r = runScenario(scenario, { maxInFlight: 100_000 });
        expect(r.summary.requests, label).toBe(r.stats.generated);
        expect(Number.isFinite(r.stats.end_s), label).toBe(true);
        ran++;
      }
    }
    // Both outcomes occur: the extremes are neither all refused nor all harmless.
    expect(ran).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});
