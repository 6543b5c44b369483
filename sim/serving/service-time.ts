import { randomExponential, randomLogNormal } from 'd3-random';
import type { Source } from '../engine/index.js';
import type { ServiceDistribution } from '../scenario/schema.js';

/**
 * Queueing-mode service times. Lognormal with mean m and coefficient of variation c has
 * σ² = ln(1 + c²) and μ = ln m − σ²/2, so that E[S] = m and sd(S)/E[S] = c exactly.
 */
export function serviceTime(spec: ServiceDistribution, source: Source): () => number {
  switch (spec.dist) {
    case 'exponential':
      return randomExponential.source(source)(1 / spec.mean_s);
    case 'deterministic': {
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
