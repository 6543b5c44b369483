// The least-work index chooses what a scan would — the same server, with the same
// draw: the least outstanding work, uniformly among ties — whatever changes came before.
import { randomLcg } from 'd3-random';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeastWorkIndex } from '../../sim/serving/least-work-index.js';
import { isIndexed, makeRouter } from '../../sim/serving/routers.js';
import type { RoutingTarget } from '../../sim/serving/phase-server.js';

type Fake = RoutingTarget & { outstandingTokens: number };
const request = { id: 0, arrival_s: 0, promptTokens: 1, prefillInstance: null };
// A pool has one server per instance; the index finds a server by its instance's index.
const fakes = (n: number): Fake[] =>
  Array.from({ length: n }, (_, index) => ({
    instance: { index, name: `i${index}` } as never,
    inSystem: 0,
    outstandingTokens: 0,
  }));

describe('LeastWorkIndex', () => {
  it('always returns a server with the least work, through any sequence of changes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: -3, max: 3 }), fc.boolean()), { maxLength: 300 }),
        (n, changes) => {
          const servers = fakes(n);
          const index = new LeastWorkIndex(randomLcg(1));
          index.track(servers);
          let live = servers;
          for (const [k, delta, retrack] of changes) {
            const s = servers[k % n] as Fake;
            s.outstandingTokens = Math.max(0, s.outstandingTokens + delta);
            index.workChanged(s);
            if (retrack) {
              // A server goes down or comes back: the pool re-tracks its live servers.
              live = servers.filter((_, i) => (i + k) % 3 !== 0 || live.length < 2);
              if (live.length === 0) live = servers;
              index.track(live);
            }
            const chosen = index.choose(request, live);
            expect(live).toContain(chosen);
            expect(chosen.outstandingTokens).toBe(Math.min(...live.map((x) => x.outstandingTokens)));
          }
        },
      ),
      { numRuns: 200, seed: 4 },
    );
  });

  it('chooses what a scan in pool order would, draw for draw, through changes and re-tracking', () => {
    // The reference: the least work, ties counted, one draw k = ⌊u·ties⌋ when tied,
    // and the k-th tied server in the pool's order.
    const scan = (live: readonly Fake[], u: () => number) => {
      const best = Math.min(...live.map((x) => x.outstandingTokens));
      const tied = live.filter((x) => x.outstandingTokens === best);
      return tied[tied.length > 1 ? Math.floor(u() * tied.length) : 0];
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: -2, max: 2 }), fc.nat({ max: 9 })), { maxLength: 300 }),
        (n, changes) => {
          const servers = fakes(n);
          const index = new LeastWorkIndex(randomLcg(3));
          const reference = randomLcg(3);
          index.track(servers);
          let live: Fake[] = servers;
          for (const [k, delta, retrack] of changes) {
            const s = servers[k % n] as Fake;
            s.outstandingTokens = Math.max(0, s.outstandingTokens + delta);
            index.workChanged(s);
            if (retrack === 0) {
              // Some servers go down (the pool's order is kept), or all come back.
              live = live.length > 1 ? live.filter((_, i) => (i + k) % 3 !== 0) : servers;
              if (live.length === 0) live = servers;
              index.track(live);
            }
            expect(index.choose(request, live)).toBe(scan(live, reference));
          }
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });

  it('breaks ties uniformly (χ² over 8 tied servers, 8,000 choices)', () => {
    const servers = fakes(10);
    servers[8]!.outstandingTokens = 5;
    servers[9]!.outstandingTokens = 7;
    const index = new LeastWorkIndex(randomLcg(7));
    index.track(servers);
    const counts = new Map<RoutingTarget, number>();
    for (let i = 0; i < 8000; i++) {
      const c = index.choose(request, servers);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(counts.has(servers[8]!)).toBe(false);
    expect(counts.has(servers[9]!)).toBe(false);
    const chi2 = [...counts.values()].reduce((a, o) => a + (o - 1000) ** 2 / 1000, 0);
    // 7 degrees of freedom: P(χ² > 24.3) = 0.001.
    expect(counts.size).toBe(8);
    expect(chi2).toBeLessThan(24.3);
  });

  it('is the one router a pool keeps informed of its servers and their work', () => {
    expect(isIndexed(makeRouter('least-work', randomLcg(1)))).toBe(true);
    for (const name of ['round-robin', 'random', 'jsq', 'power-of-two'] as const)
      expect(isIndexed(makeRouter(name, randomLcg(1)))).toBe(false);
  });
});
