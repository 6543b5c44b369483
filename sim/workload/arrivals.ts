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
export function interArrival(
  spec: Extract<Arrivals, { process: 'poisson' | 'gamma' | 'deterministic' }>,
  source: Source,
): InterArrival {
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
      // A cv so small that 1/cv² overflows (below ~1e-154): the gamma's limit as cv → 0,
      // evenly spaced gaps; d3's sampler would give NaN gaps, and so no arrivals at all.
      if (!Number.isFinite(shape)) {
        const gap = 1 / spec.rate_per_s;
        return () => gap;
      }
      return randomGamma.source(source)(shape, 1 / (spec.rate_per_s * shape));
    }
  }
}

/**
 * The expected number of arrivals of the gamma renewal process in [0, T], m(T), to
 * within a factor of about 1.5 (checked against simulation in test/scenario/limits.test.ts),
 * for bounding what a scenario asks of memory and time. Gaps have shape k = 1/cv² and
 * scale θ = cv²/rate. Two regimes, and the smaller estimate is the closer:
 * - T ≫ θ: m(T) ≈ rate·T + (cv² − 1)/2, the renewal function's asymptote
 *   m(t) = t/μ + (σ² − μ²)/(2μ²) + o(1) (Cox, Renewal Theory, 1962).
 * - T < θ with k ≪ 1: a gap exceeds T with probability Q(k, T/θ) ≈ k·ln(θ/T), so
 *   about cv²/ln(θ/T) arrivals come before the first gap longer than the whole run,
 *   almost all of them clustered at its start.
 */
export function expectedGammaArrivals(rate_per_s: number, cv: number, T_s: number): number {
  const cv2 = cv * cv;
  if (!Number.isFinite(cv2)) return Infinity; // shape 1/cv² is 0: every gap is 0
  const steady = Math.max(rate_per_s * T_s + (cv2 - 1) / 2, rate_per_s * T_s);
  const x = (T_s * rate_per_s) / cv2; // T/θ
  return x > 0 && x < 1 && cv > 1 ? Math.min(steady, cv2 / Math.log(1 / x)) : steady;
}
