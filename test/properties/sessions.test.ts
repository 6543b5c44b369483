// Property-based runs with multi-turn sessions (fast-check): generated datacenters
// (queueing or physics, split or colocated, any load router, with or without failures)
// fed by generated sessions. Every request the sessions make ends in one state, KV
// never exceeds capacity, and fast-forward decode gives every request the times exact
// stepping does (later turns' arrivals included: they follow completions).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { expectRunConserved } from '../helpers/conservation.js';
import { worstTimeDifference } from '../helpers/same-times.js';
import { column } from '../helpers/queueing.js';

const sessionsArb = fc.record({
  turns: fc.integer({ min: 1, max: 8 }),
  think: fc.double({ min: 0, max: 5, noNaN: true }),
  user: fc.integer({ min: 1, max: 3000 }),
  output: fc.integer({ min: 1, max: 400 }),
  system: fc.option(
    fc.record({ variants: fc.integer({ min: 1, max: 4 }), tokens: fc.integer({ min: 1, max: 4000 }) }),
    { nil: undefined },
  ),
});

const runArb = fc.record({
  physics: fc.boolean(),
  colocated: fc.boolean(),
  network: fc.boolean(),
  router: fc.constantFrom('pool-fcfs', 'round-robin', 'random', 'jsq', 'least-work', 'power-of-two', 'rack-aware'),
  prefill: fc.integer({ min: 1, max: 3 }),
  decode: fc.integer({ min: 1, max: 3 }),
  rate: fc.double({ min: 0.1, max: 3, noNaN: true }),
  duration: fc.double({ min: 3, max: 25, noNaN: true }),
  // 8B needs about 19.9 GB; small memories make long conversations overflow KV.
  memory: fc.double({ min: 20, max: 40, noNaN: true }),
  maxBatch: fc.integer({ min: 1, max: 48 }),
  seed: fc.integer({ min: 0, max: 1000 }),
  failures: fc.boolean(),
  sessions: sessionsArb,
  // A prefix cache on prefill or mixed instances on the physics (where it runs), routed
  // by prefix-aware or the generated load router.
  cache: fc.option(
    fc.record({
      block: fc.constantFrom(16, 64, 512),
      prefixAware: fc.boolean(),
      weight: fc.double({ min: 0, max: 4, noNaN: true }),
      hostGb: fc.constantFrom(0, 0.5, 50),
      // A datacenter store (split instances with the network only, where it runs).
      storeGb: fc.constantFrom(0, 5, 500),
    }),
    { nil: undefined },
  ),
});

type Generated = typeof runArb extends fc.Arbitrary<infer T> ? T : never;

function build(g: Generated, stepping: string, physics = g.physics) {
  const hardware = { id: 'gen', base: 'h100-sxm', memory_gb: g.memory };
  const service = (phase: string) => ({ [phase]: { dist: 'exponential', mean_s: 0.2 } });
  const group = (role: string, count: number) =>
    physics
      ? { hardware, devices: 1, count, role }
      : { count, role, service: role === 'mixed' ? { ...service('prefill'), ...service('decode') } : service(role) };
  const nodes = g.colocated ? [group('mixed', g.prefill)] : [group('prefill', g.prefill), group('decode', g.decode)];
  const s = g.sessions;
  const cache = g.cache && physics ? g.cache : undefined;
  const cacheFields = cache
    ? {
        prefix_cache: {
          block_tokens: cache.block,
          host_gb: cache.hostGb,
          ...(g.network && !g.colocated && cache.storeGb > 0 ? { store_gb: cache.storeGb, store_gbps: 100 } : {}),
        },
        ...(cache.prefixAware
          ? { prefill_router: 'prefix-aware', prefix_aware: { overlap_weight: cache.weight } }
          : {}),
      }
    : {};
  return checkScenario(
    {
      name: 'gen-sessions',
      seed: g.seed,
      duration_s: g.duration,
      drain_s: 3000,
      model: 'llama-3.1-8b',
      datacenter: {
        racks: [{ name: 'r', uplink_gbps: 200, nodes }],
        network: { kv_transfer: g.network && physics ? 'network' : 'off', spine_gbps: 400, latency_us: 5 },
      },
      workload: {
        arrivals: { process: 'poisson', rate_per_s: g.rate },
        sessions: {
          turns: { dist: 'uniform', min: 1, max: s.turns },
          think_s: { dist: 'constant', value_s: s.think },
          user_tokens: { dist: 'uniform', min: 1, max: s.user },
          output_tokens: { dist: 'uniform', min: 1, max: s.output },
          ...(s.system
            ? { system_prompt: { variants: s.system.variants, tokens: { dist: 'constant', value: s.system.tokens } } }
            : {}),
        },
      },
      scheduling: {
        router: g.router,
        decode_stepping: stepping,
        decode_max_batch: g.maxBatch,
        chunk_tokens: 512,
        ...cacheFields,
      },
      ...(g.failures ? { faults: { max_retries: 1, random: [{ mtbf_s: 8, mttr_s: 1 }] } } : {}),
    },
    'gen-sessions.json',
  );
}

describe('generated runs with sessions', () => {
  it('conserve requests and keep KV within capacity (60 scenarios)', () => {
    let rejected = 0;
    let multiTurn = 0;
    let cacheHits = 0;
    let storeRuns = 0;
    fc.assert(
      fc.property(runArb, (g) => {
        const r = runScenario(build(g, 'fast-forward'));
        expectRunConserved(r);
        const used = column(r.tables.nodes, 'kv_used_frac');
        // With a cache, active + cached ≤ capacity (the ledger checks it on every change; here per window).
        const cachedFrac = r.tables.nodes.getChild('kv_cached_frac') ? column(r.tables.nodes, 'kv_cached_frac') : [];
        used.forEach((f, i) => {
          if (!Number.isNaN(f)) expect(f + (cachedFrac[i] || 0)).toBeLessThanOrEqual(1 + 1e-9);
        });
        if ((r.summary.rejected as number) > 0) rejected++;
        const cached = r.tables.requests.getChild('cached_prompt_tokens');
        if (cached) {
          // A hit never covers the whole prompt: at least one token is computed.
          const prompts = column(r.tables.requests, 'prompt_tokens');
          column(r.tables.requests, 'cached_prompt_tokens').forEach((c, i) =>
            expect(c).toBeLessThanOrEqual((prompts[i] as number) - 1),
          );
          if ((r.summary.prefix_cache_hit_rate ?? 0) > 0) cacheHits++;
          if (r.scenario.scheduling.prefix_cache?.store_gb) storeRuns++;
        }
        // A prompt longer than any first turn's is a later turn's.
        if (
          column(r.tables.requests, 'prompt_tokens').some((p) => p > g.sessions.user + (g.sessions.system?.tokens ?? 0))
        )
          multiTurn++;
      }),
      { numRuns: 60, seed: 20 },
    );
    // The generator reaches both long conversations and rejections, and cache hits.
    expect(multiTurn).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(0);
    expect(cacheHits).toBeGreaterThan(3);
    // Some runs have a datacenter store (its fetches are checked by number in prefix-cache-run.test.ts).
    expect(storeRuns).toBeGreaterThan(0);
  });

  it('fast-forward decode gives every request the times of exact stepping (30 physics scenarios)', () => {
    fc.assert(
      fc.property(runArb, (g) => {
        const a = runScenario(build(g, 'exact', true)).tables.requests;
        const b = runScenario(build(g, 'fast-forward', true)).tables.requests;
        const columns = ['arrival_s', 'first_token_s', 'completion_s'];
        if (a.getChild('cached_prompt_tokens')) columns.push('cached_prompt_tokens');
        expect(worstTimeDifference(a, b, columns)).toBeLessThan(1e-9);
      }),
      { numRuns: 30, seed: 21 },
    );
  });
});
