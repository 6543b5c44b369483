import { randomExponential, randomGamma } from 'd3-random';
import type { Source } from '../engine/index.js';
import type { Arrivals } from '../scenario/schema.js';

/** Draws the gap to the next arrival, in seconds. */
export type InterArrival = () => number;

/**
 * Renewal arrival processes. `gamma` with coefficient of variation cv has shape
 * k = 1/cv² and scale 1/(rate·k): mean gap 1/rate, CV cv (cv = 1 is Poisson; cv > 1 is
 * bursty). `deterministic` spaces arrivals exactly 1/rate apart.
 */
export function interArrival(spec: Extract<Arrivals, { process: 'poisson' | 'gamma' | 'deterministic' }>, source: Source): InterArrival {
  switch (spec.process) {
    case 'poisson':
      return randomExponential.source(source)(spec.rate_per_s);
    case 'deterministic': {
      // Evenly spaced: arrivals at 1/rate, 2/rate, … (D/·/· queues, single-request runs).
      const gap = 1 / spec.rate_per_s;
      return () => gap;
    }
    case 'gamma': {
      const shape = 1 / (spec.cv * spec.cv);
      return randomGamma.source(source)(shape, 1 / (spec.rate_per_s * shape));
    }
  }
}
