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
      const sigma2 = Math.log(1 + spec.cv * spec.cv);
      return randomLogNormal.source(source)(Math.log(spec.mean_s) - sigma2 / 2, Math.sqrt(sigma2));
    }
  }
}
