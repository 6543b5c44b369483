// scheduling.prefix_cache and the prefix-aware router as a scenario states them: the
// defaults, the routers each phase gets, and the rules a schema cannot say.
import { describe, expect, it } from 'vitest';
import { checkScenario } from '../../sim/index.js';
import { resolveRouters } from '../../sim/scenario/resolve-prefix-cache.js';
import { problems } from '../helpers/problems.js';

function split(scheduling: object): Record<string, unknown> {
  return {
    name: 'cache',
    duration_s: 60,
    model: 'llama-3.1-8b',
    datacenter: {
      racks: [
        { name: 'p', nodes: [{ hardware: 'h100-sxm', devices: 1, count: 4, role: 'prefill' }] },
        { name: 'd', nodes: [{ hardware: 'h100-sxm', devices: 1, count: 2, role: 'decode' }] },
      ],
    },
    workload: {
      arrivals: { process: 'poisson', rate_per_s: 1 },
      prompt_tokens: { dist: 'constant', value: 1000 },
      output_tokens: { dist: 'constant', value: 100 },
    },
    scheduling,
  };
}

describe('scheduling.prefix_cache', () => {
  it('defaults: 512-token blocks, no host tier (50 GB/s per device when set), no store', () => {
    const s = checkScenario(split({ prefix_cache: {} }));
    expect(s.scheduling.prefix_cache).toEqual({ block_tokens: 512, host_gb: 0, host_gbytes_per_s: 50, store_gb: 0 });
    expect(checkScenario(split({})).scheduling.prefix_cache).toBeUndefined();
  });

  it(
    'router "prefix-aware" routes prefill; ' +
      'the decode phase falls back to least-work unless ' +
      'decode_router says',
    () => {
      const base = checkScenario(split({})).scheduling;
      const sched = (o: object) => ({ ...base, ...o }) as never;
      expect(resolveRouters(sched({ router: 'prefix-aware', decode_router: 'jsq' }))).toEqual({
        prefill: 'prefix-aware',
        decode: 'jsq',
      });
      expect(resolveRouters(sched({ router: 'prefix-aware' })).decode).toBe('least-work');
      expect(resolveRouters(sched({ router: 'jsq', prefill_router: 'random' }))).toEqual({
        prefill: 'random',
        decode: 'jsq',
      });
    },
  );

  it('a cache router runs with a cache, and is refused without one, naming the field', () => {
    expect(problems(split({ router: 'prefix-aware', prefix_cache: {} }))).toEqual([]);
    expect(problems(split({ prefill_router: 'prefix-aware' }))).toEqual([
      'scheduling.prefill_router: "prefix-aware" routes by the prefix blocks each instance\'s cache ' +
        'holds: it needs scheduling.prefix_cache',
    ]);
  });

  it('the store runs for split prefill instances, and is refused with mixed ones (not silently ignored)', () => {
    const tiers = { host_gb: 256, store_gb: 10_000, store_gbps: 800 };
    const withNetwork = (s: Record<string, unknown>) => {
      (s.datacenter as { network?: unknown }).network = { kv_transfer: 'network' };
      return s;
    };
    expect(problems(withNetwork(split({ prefix_cache: tiers })))).toEqual([]);
    const mixed = withNetwork(split({ prefix_cache: tiers }));
    (mixed.datacenter as { racks: unknown[] }).racks = [
      { name: 'm', nodes: [{ hardware: 'h100-sxm', devices: 1, count: 2, role: 'mixed' }] },
    ];
    expect(problems(mixed)).toEqual([
      'scheduling.prefix_cache.store_gb: the datacenter store is not run by this build yet for mixed ' +
        '(colocated) instances (issue 20: split prefill instances fetch from it)',
    ]);
    expect(problems(withNetwork(split({ prefix_cache: { host_gb: 64 } })))).toEqual([]);
  });
});
