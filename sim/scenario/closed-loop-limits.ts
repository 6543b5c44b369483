// What a closed-loop workload's users imply for the run, checked before it runs
// (docs/input.md, Limits). The shared limits and their reasons are in limits.ts.
import { batchTimer, type Deployment, kvCapacityTokens } from '../physics/index.js';
import { meanSeconds } from '../serving/service-time.js';
import { MAX_REQUESTS, MAX_USERS } from './limits.js';
import type { Problem } from './problems.js';
import type { InstanceSpec } from './resolved.js';
import type { ScenarioFile, TokenDistribution } from './schema.js';

type ClosedArrivals = Extract<ScenarioFile['workload']['arrivals'], { process: 'closed' }>;

/**
 * A closed loop's users, and its requests. By Little's law each user sends one request
 * per (response + think) on average, and no response is shorter than the prefill of a
 * one-token prompt on the fastest prefill-capable instance (in queueing mode, the
 * smallest mean prefill service time): users × duration_s / (mean think + that) bounds
 * the requests from above without running anything. An upper bound, so a run it
 * refuses would generate fewer requests only if its responses are far slower than one
 * lone short prefill.
 */
export function closedLoopLimits(a: ClosedArrivals, duration_s: number, specs: readonly InstanceSpec[]): Problem[] {
  if (a.users > MAX_USERS) {
    return [
      {
        path: 'workload.arrivals.users',
        message: `must be at most ${MAX_USERS.toLocaleString('en-US')}, got ${a.users}`,
      },
    ];
  }
  const fastest_s = fastestPrefill_s(specs);
  const cycle_s = meanSeconds(a.think_s) + fastest_s;
  const expected = a.users * (1 + duration_s / cycle_s);
  if (!(expected <= MAX_REQUESTS)) {
    const why = `users × duration_s / (mean think_s + fastest one-token prefill, ${fastest_s.toPrecision(3)} s)`;
    return [
      {
        path: 'workload.arrivals',
        message: `could generate up to about ${expected.toExponential(2)} requests (${why}); the limit is ${MAX_REQUESTS.toExponential(0)}`,
      },
    ];
  }
  return [];
}

/** The shortest time any prefill-capable instance can take for a request's prefill. */
function fastestPrefill_s(specs: readonly InstanceSpec[]): number {
  const byDeployment = new Map<Deployment, number>();
  let fastest = Infinity;
  for (const spec of specs) {
    if (spec.role === 'decode') continue;
    let t: number;
    if (spec.service.prefill) t = meanSeconds(spec.service.prefill);
    else if (spec.deployment) {
      const d = spec.deployment;
      t = byDeployment.get(d) ?? batchTimer(d).prefillSeconds(1, 1);
      byDeployment.set(d, t);
    } else continue;
    fastest = Math.min(fastest, t);
  }
  // No instance to go by (resolve reports that itself): count no time.
  return Number.isFinite(fastest) ? fastest : 0;
}

/**
 * Users that think for no time and whose every prompt is longer than any instance can
 * hold: each request is rejected the instant it is sent and sent again at once, so
 * simulated time would never advance. Refused before running when it is certain (the
 * shortest prompt the distribution can draw exceeds the largest KV capacity of the
 * prefill-capable instances, none of them on service times, which hold no KV); other
 * cases are caught as the run goes (MAX_INSTANT_RESENDS, sim/workload/closed-loop.ts).
 */
export function instantRejections(
  a: ClosedArrivals,
  prompt: TokenDistribution | undefined,
  specs: readonly InstanceSpec[],
): Problem[] {
  if (a.think_s.dist !== 'constant' || a.think_s.value_s > 0 || !prompt) return [];
  let largest = 0;
  for (const spec of specs) {
    if (spec.role === 'decode') continue;
    if (spec.service.prefill || !spec.deployment) return [];
    largest = Math.max(largest, kvCapacityTokens(spec.deployment));
  }
  const shortest = shortestPrompt(prompt);
  if (specs.length === 0 || shortest <= largest) return [];
  return [
    {
      path: 'workload.arrivals.think_s',
      message: `is 0, and every prompt (at least ${shortest} tokens) is longer than any prefill instance's KV capacity (at most ${largest} tokens), so each request would be rejected the instant it is sent and sent again, with no time passing; shorten the prompts or give think_s a positive time`,
    },
  ];
}

function shortestPrompt(d: TokenDistribution): number {
  switch (d.dist) {
    case 'constant':
      return d.value;
    case 'uniform':
      return d.min;
    case 'exponential':
      return 1;
    case 'lognormal':
    case 'empirical':
      return d.min ?? 1;
  }
}
