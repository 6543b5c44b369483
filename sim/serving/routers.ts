import type { Topology } from '../datacenter/index.js';
import type { Source } from '../engine/index.js';
import type { RouterName } from '../scenario/schema.js';
import type { RoutingTarget, WorkWatcher } from './phase-server.js';
import type { RoutableRequest } from './request.js';
import { LeastWorkIndex } from './least-work-index.js';

/**
 * Picks the instance a request goes to. Uniform choices come from the routing stream (a
 * d3-random LCG) as ⌊u·n⌋. Routers see a snapshot a real load balancer
 * could keep (queue lengths, outstanding prompt tokens) and never the request's true
 * output length (`RoutableRequest` does not carry it).
 */
export interface Router {
  choose<T extends RoutingTarget>(request: RoutableRequest, targets: readonly T[]): T;
}

/**
 * A router that keeps an index over its servers' work (least-work): it is told which
 * servers it chooses among (the pool's live ones) and hears of every change of their work.
 */
export interface IndexedRouter extends Router, WorkWatcher {
  track(targets: readonly RoutingTarget[]): void;
}

export function isIndexed(router: Router): router is IndexedRouter {
  const r = router as Partial<IndexedRouter>;
  return typeof r.track === 'function' && typeof r.workChanged === 'function';
}

/** Routers that send each request to one instance; `pool-fcfs` is the pool's shared queue
 * instead, and `rack-aware` needs the network (pathAware). */
export function makeRouter(name: Exclude<RouterName, 'pool-fcfs' | 'rack-aware'>, source: Source): Router {
  switch (name) {
    case 'round-robin':
      return roundRobin();
    case 'random':
      return uniform(source);
    case 'jsq':
      return leastBy((t) => t.inSystem, source);
    case 'least-work':
      return new LeastWorkIndex(source);
    case 'power-of-two':
      return powerOfTwo(source);
  }
}

/**
 * The router of a pool, from the scenario's name; null for `pool-fcfs` (the pool's
 * shared queue). `rack-aware` prefers, for the hand-off, the decoder a new flow from
 * the request's prefill instance would get the largest share of the network to; with
 * no network (or for prefill) there is no path to prefer, and it is least-work.
 */
export function poolRouter(
  phase: 'prefill' | 'decode',
  name: RouterName,
  source: Source,
  topology: Topology | null,
): Router | null {
  if (name === 'pool-fcfs') return null;
  if (name !== 'rack-aware') return makeRouter(name, source);
  if (phase === 'prefill' || !topology) return makeRouter('least-work', source);
  return pathAware((r, t) => {
    if (!r.prefillInstance) return Infinity;
    let share = Infinity;
    for (const link of topology.route(r.prefillInstance, t.instance).path) {
      // A failed link offers nothing: the router steers hand-offs around it.
      share = Math.min(share, link.available_Bps / (link.flows.length + 1));
    }
    return share;
  }, source);
}

/**
 * Rack-aware choice for the hand-off: the target whose network path from the request's
 * prefill instance would give a new flow the largest max-min share right now
 * (min over the path's links of capacity ÷ (flows + 1)); ties go to the least
 * outstanding work, then at random.
 */
export function pathAware(share: (request: RoutableRequest, target: RoutingTarget) => number, source: Source): Router {
  const byWork = leastBy((t) => t.outstandingTokens, source);
  return {
    choose(request, targets) {
      let best = -1;
      let tied: Array<(typeof targets)[number]> = [];
      for (const t of targets) {
        const s = share(request, t);
        if (s > best) {
          best = s;
          tied = [t];
        } else if (s === best) tied.push(t);
      }
      return tied.length === 1 ? (tied[0] as (typeof targets)[number]) : byWork.choose(request, tied);
    },
  };
}

function roundRobin(): Router {
  let next = 0;
  return {
    choose(_request, targets) {
      const t = targets[next % targets.length];
      next = (next + 1) % targets.length;
      return t as (typeof targets)[number];
    },
  };
}

function uniform(source: Source): Router {
  return {
    choose(_request, targets) {
      return targets[Math.floor(source() * targets.length)] as (typeof targets)[number];
    },
  };
}

/**
 * The target with the smallest score; ties broken uniformly at random: one pass finds
 * the smallest score and how many share it, one draw picks which (⌊u·ties⌋). A single
 * draw per decision, however many idle instances tie at zero work.
 */
function leastBy(score: (t: RoutingTarget) => number, source: Source): Router {
  return {
    choose(_request, targets) {
      let bestScore = Infinity;
      let ties = 0;
      for (let i = 0; i < targets.length; i++) {
        const s = score(targets[i] as RoutingTarget);
        if (s < bestScore) {
          bestScore = s;
          ties = 1;
        } else if (s === bestScore) ties++;
      }
      let k = ties > 1 ? Math.floor(source() * ties) : 0;
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i] as (typeof targets)[number];
        if (score(t) === bestScore && k-- === 0) return t;
      }
      return targets[0] as (typeof targets)[number];
    },
  };
}

/** Two distinct targets drawn at random; the one with fewer requests wins (Mitzenmacher). */
function powerOfTwo(source: Source): Router {
  return {
    choose(_request, targets) {
      const n = targets.length;
      if (n === 1) return targets[0] as (typeof targets)[number];
      const a = Math.floor(source() * n);
      const b = (a + 1 + Math.floor(source() * (n - 1))) % n;
      const ta = targets[a] as (typeof targets)[number];
      const tb = targets[b] as (typeof targets)[number];
      return tb.inSystem < ta.inSystem ? tb : ta;
    },
  };
}
