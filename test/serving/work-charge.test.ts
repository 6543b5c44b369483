// The FLOPs and bytes a fast-forwarded run of decode steps charges (closed form, cut
// runs revised) add up to what one event per step charges, instance by instance.
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { column } from '../helpers/queueing.js';

function scenario(
  stepping: 'exact' | 'fast-forward',
  o: { kvTight?: boolean; speculative?: boolean; rate?: number } = {},
) {
  const decodeHardware = o.kvTight
    ? { id: 'tight-h100', base: 'h100-sxm', memory_gb: o.speculative ? 23.5 : 20.5 }
    : 'h100-sxm';
  return checkScenario(
    {
      name: 'work',
      seed: 5,
      duration_s: 40,
      warmup_s: 0,
      drain_s: 600,
      model: 'llama-3.1-8b',
      datacenter: {
        racks: [
          { name: 'p', uplink_gbps: 400, nodes: [{ hardware: 'h100-sxm', devices: 1, count: 2, role: 'prefill' }] },
          {
            name: 'd',
            uplink_gbps: 400,
            nodes: [
              {
                hardware: decodeHardware,
                devices: 1,
                count: 2,
                role: 'decode',
                ...(o.speculative ? { speculative: { draft_model: 'llama-3.2-1b', tokens: 4, acceptance: 0.7 } } : {}),
              },
            ],
          },
        ],
        network: { kv_transfer: 'network', spine_gbps: 800, latency_us: 5 },
      },
      workload: {
        arrivals: { process: 'poisson', rate_per_s: o.rate ?? 12 },
        prompt_tokens: { dist: 'lognormal', median: 1500, sigma: 0.9, max: 12000 },
        output_tokens: { dist: 'lognormal', median: 150, sigma: 0.9, max: 2000 },
      },
      scheduling: { router: 'least-work', decode_stepping: stepping, decode_max_batch: 32 },
      metrics: { window_s: 5 },
    },
    'work.json',
  );
}

/** Σ over windows of utilisation × window length, per node: total work ÷ peak. */
function perNode(r: ReturnType<typeof runScenario>, metric: 'mfu' | 'mbu'): Map<string, number> {
  const t = r.tables.nodes;
  const node = t.getChild('node')!;
  const u = column(t, metric);
  const a = column(t, 'window_start_s');
  const b = column(t, 'window_end_s');
  const out = new Map<string, number>();
  for (let i = 0; i < t.numRows; i++)
    out.set(node.get(i), (out.get(node.get(i)) ?? 0) + (u[i] as number) * ((b[i] as number) - (a[i] as number)));
  return out;
}

describe('work charged by fast-forwarded runs', () => {
  for (const o of [{}, { kvTight: true }, { kvTight: true, speculative: true }]) {
    it(`I6 fast-forward = exact: equals exact stepping's, node by node (${JSON.stringify(o)})`, () => {
      const exact = runScenario(scenario('exact', o));
      const ff = runScenario(scenario('fast-forward', o));
      expect(ff.summary.completed).toBe(exact.summary.completed);
      // Tight KV evicts: recomputation is charged too.
      if ('kvTight' in o)
        expect(column(ff.tables.requests, 'preemptions').reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
      for (const metric of ['mfu', 'mbu'] as const) {
        const x = perNode(exact, metric);
        const y = perNode(ff, metric);
        for (const [name, v] of x) {
          expect(v).toBeGreaterThan(0);
          expect((y.get(name) as number) / v, `${metric} of ${name}`).toBeCloseTo(1, 9);
        }
      }
    });
  }
});
