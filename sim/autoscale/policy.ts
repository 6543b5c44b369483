// The autoscaler's decision, a pure function: what the trailing window showed, how many
// instances are up, provisioning and draining, the bounds and the cooldowns → how many
// instances the group should have. The controller (controller.ts) gathers the signal and
// carries the decision out; docs/model.md, Autoscaling, states the rules.
import type { AutoscalePolicy } from '../scenario/schema.js';

/** What the trailing window showed, per policy. */
export type Signal =
  /** Mean number of the group's instances busy (≥ 1 request in service) over the window. */
  | { policy: 'utilization'; busyInstances: number }
  /** Mean number of requests at the group (its queues, its share of the pool's, in service). */
  | { policy: 'queue'; requests: number }
  /**
   * Requests whose latency for this group's phase was settled in the window (prefill:
   * first token; decode: end), how many met the scenario's bounds, and how many met
   * them tightened by `scale_in_ratio`.
   */
  | { policy: 'slo'; settled: number; met: number; metTight: number };

export interface PolicySettings {
  policy: AutoscalePolicy;
  /** utilization: busy fraction; queue: requests per instance; slo: attainment. */
  target: number;
  min: number;
  max: number;
  scale_out_cooldown_s: number;
  scale_in_cooldown_s: number;
}

export interface GroupState {
  /** On and serving (a failed instance still counts: failure is not scale-in). */
  up: number;
  /** Turned on, not serving yet. */
  provisioning: number;
  /** Last scale-out and scale-in decisions, s (the run's start counts as both). */
  lastOut_s: number;
  lastIn_s: number;
}

/**
 * Floating-point slack for the ceilings: a busy mean of exactly 3 × 0.7 computes as
 * 2.0999999999999996 and must not round up to 4 instances at target 0.7.
 */
const EPS = 1e-9;

/** The size the signal asks for, before bounds and cooldowns. */
export function recommended(signal: Signal, target: number, current: number): number {
  switch (signal.policy) {
    case 'utilization':
      // Little's law on the servers: λ·E[S] instances are busy on average, so ⌈λ·E[S]/ρ*⌉
      // instances keep each busy a fraction ρ* of the time (the closed form).
      return Math.ceil(signal.busyInstances / target - EPS);
    case 'queue':
      return Math.ceil(signal.requests / target - EPS);
    case 'slo':
      // No request settled: nothing to judge by; hold.
      if (signal.settled === 0) return current;
      if (signal.met / signal.settled < target - EPS) return current + 1;
      if (signal.metTight / signal.settled >= target - EPS) return current - 1;
      return current;
  }
}

/**
 * The group's size after this decision: the recommendation within [min, max]; a
 * scale-out no sooner than `scale_out_cooldown_s` after the last, a scale-in no sooner
 * than `scale_in_cooldown_s` after the last change either way (shrinking just after
 * growing would undo a step the load asked for). `current` counts up and provisioning
 * instances: draining ones are already leaving.
 */
export function decide(signal: Signal, s: PolicySettings, g: GroupState, now_s: number): number {
  const current = g.up + g.provisioning;
  const want = Math.min(s.max, Math.max(s.min, recommended(signal, s.target, current)));
  if (want > current) return now_s - g.lastOut_s >= s.scale_out_cooldown_s - EPS ? want : current;
  if (want < current) return now_s - Math.max(g.lastOut_s, g.lastIn_s) >= s.scale_in_cooldown_s - EPS ? want : current;
  return current;
}
