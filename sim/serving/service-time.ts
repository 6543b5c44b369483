import { randomExponential, randomLogNormal } from 'd3-random';
import type { Source } from '../engine/index.js';

/**
 * A distribution of durations: queueing-mode service times (`deterministic`) and a
 * closed-loop workload's think times (`constant`, which may be 0) share it, so that
 * both draw from one implementation.
 */
export type TimeDistribution =
  | { dist: 'deterministic' | 'constant'; value_s: number }
  | { dist: 'exponential'; mean_s: number }
  | { dist: 'lognormal'; mean_s: number; cv: number };

/**
 * Draws from a time distribution (seconds). Lognormal with mean m and coefficient of
 * variation c has σ² = ln(1 + c²) and μ = ln m − σ²/2, so that E[S] = m and
 * sd(S)/E[S] = c exactly.
 */
export function serviceTime(spec: TimeDistribution, source: Source): () => number {
  switch (spec.dist) {
    case 'exponential':
      return randomExponential.source(source)(1 / spec.mean_s);
    case 'deterministic':
    case 'constant': {
      const v = spec.value_s;
      return () => v;
    }
    case 'lognormal': {
      // For cv beyond ~1e154, c² overflows; ln(1 + c²) = 2 ln c + ln(1 + c⁻²) does not,
      // so every finite cv gives finite draws.
      const c = spec.cv;
      const sigma2 = c > 1 ? 2 * Math.log(c) + Math.log1p(1 / (c * c)) : Math.log1p(c * c);
      return randomLogNormal.source(source)(Math.log(spec.mean_s) - sigma2 / 2, Math.sqrt(sigma2));
    }
  }
}

/** The distribution's mean, seconds. */
export function meanSeconds(spec: TimeDistribution): number {
  return 'value_s' in spec ? spec.value_s : spec.mean_s;
}
