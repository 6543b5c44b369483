import { randomExponential, randomInt, randomLogNormal } from 'd3-random';
import type { Source } from '../engine/index.js';
import type { TokenDistribution } from '../scenario/schema.js';
import { traceLengths } from './trace.js';

/** Draws a token count (an integer ≥ 1). */
export type LengthSampler = () => number;

/**
 * Token-length distributions. Continuous draws are rounded to the nearest integer and
 * clamped to [min, max] (min defaults to 1): clamping, not resampling, so the tail
 * mass piles up at `max` exactly as a serving system that truncates would see it.
 * `empirical` resamples a trace file's column of lengths.
 */
export function lengthSampler(spec: TokenDistribution, source: Source, field: 'prompt' | 'output'): LengthSampler {
  switch (spec.dist) {
    case 'constant': {
      const v = spec.value;
      return () => v;
    }
    case 'uniform':
      // randomInt draws from [min, max): +1 makes the user's max inclusive.
      return randomInt.source(source)(spec.min, spec.max + 1);
    case 'lognormal': {
      const draw = randomLogNormal.source(source)(Math.log(spec.median), spec.sigma);
      return clamped(draw, spec.min ?? 1, spec.max ?? Number.MAX_SAFE_INTEGER);
    }
    case 'exponential': {
      const draw = randomExponential.source(source)(1 / spec.mean);
      return clamped(draw, 1, spec.max ?? Number.MAX_SAFE_INTEGER);
    }
    case 'empirical': {
      // Resample the trace's own lengths uniformly (the whole column is held: 4 bytes a row).
      const values = traceLengths(spec.path, spec.format, field);
      const n = values.length;
      return clamped(
        () => values[Math.floor(source() * n)] as number,
        spec.min ?? 1,
        spec.max ?? Number.MAX_SAFE_INTEGER,
      );
    }
  }
}

function clamped(draw: () => number, min: number, max: number): LengthSampler {
  return () => Math.min(max, Math.max(min, Math.round(draw())));
}
