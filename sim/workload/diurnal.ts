import { randomExponential } from 'd3-random';
import type { Source } from '../engine/index.js';

/** A time-varying arrival rate, requests per second at time t (seconds). */
export type RateProfile = (t_s: number) => number;

export interface SinusoidProfile {
  mean_rate_per_s: number;
  /** Fraction of the mean, in [0, 1]: the rate swings between mean·(1 ± amplitude). */
  amplitude: number;
  period_s: number;
  phase_s: number;
}

/** λ(t) = mean · (1 + amplitude · sin(2π (t − phase) / period)). */
export function sinusoid(p: SinusoidProfile): { rate: RateProfile; max: number } {
  const w = (2 * Math.PI) / p.period_s;
  if (!Number.isFinite(w)) {
    // A period too short for 2π/period (below ~1e-308 s): the rate's average over a
    // period shorter than any time resolution, not sin(∞) = NaN, which no candidate passes.
    return { rate: () => p.mean_rate_per_s, max: p.mean_rate_per_s * (1 + p.amplitude) };
  }
  return {
    rate: (t) => p.mean_rate_per_s * (1 + p.amplitude * Math.sin(w * (t - p.phase_s))),
    max: p.mean_rate_per_s * (1 + p.amplitude),
  };
}

/**
 * Piecewise-linear rate through points (t_s ascending); before the first point its
 * rate, after the last point the last rate, or, with `period_s`, the profile repeats.
 */
export function piecewise(
  points: ReadonlyArray<{ t_s: number; rate_per_s: number }>,
  period_s?: number,
): { rate: RateProfile; max: number } {
  const rate: RateProfile = (t0) => {
    const t = period_s ? t0 % period_s : t0;
    const first = points[0] as { t_s: number; rate_per_s: number };
    if (t <= first.t_s) return first.rate_per_s;
    for (let i = 1; i < points.length; i++) {
      const b = points[i] as { t_s: number; rate_per_s: number };
      if (t <= b.t_s) {
        const a = points[i - 1] as { t_s: number; rate_per_s: number };
        return a.rate_per_s + ((b.rate_per_s - a.rate_per_s) * (t - a.t_s)) / (b.t_s - a.t_s);
      }
    }
    return (points[points.length - 1] as { rate_per_s: number }).rate_per_s;
  };
  return { rate, max: Math.max(...points.map((p) => p.rate_per_s)) };
}

/**
 * Arrival times of a non-homogeneous Poisson process by thinning (Lewis & Shedler
 * 1979): candidates at the peak rate, each kept with probability λ(t)/λ_max.
 * Candidate gaps and acceptance draws come from separate streams. Past `until_s` it
 * gives Infinity (no more arrivals): a rate that stays 0 (points ending at 0, say)
 * would otherwise reject candidates forever.
 */
export function thinnedArrivals(
  profile: { rate: RateProfile; max: number },
  gaps: Source,
  accept: Source,
  until_s = Infinity,
): () => number {
  if (!(profile.max > 0)) return () => Infinity;
  const gap = randomExponential.source(gaps)(profile.max);
  let t = 0;
  return () => {
    for (;;) {
      t += gap();
      if (!(t < until_s)) return Infinity;
      if (accept() * profile.max < profile.rate(t)) return t;
    }
  };
}
