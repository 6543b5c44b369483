// Arrival processes and length distributions against what they promise.
import { describe, expect, it } from 'vitest';
import { RandomStreams } from '../../sim/engine/index.js';
import { meanInterval } from '../../sim/studies/index.js';
import {
  interArrival,
  lengthSampler,
  piecewise,
  sinusoid,
  thinnedArrivals,
  traceLengths,
} from '../../sim/workload/index.js';

const TRACES = new URL('../../traces/', import.meta.url).pathname;

/** Coefficient of variation of each of `batches` consecutive batches. */
function batchCvs(x: number[], batches: number): number[] {
  const size = Math.floor(x.length / batches);
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    const s = x.slice(b * size, (b + 1) * size);
    const m = s.reduce((a, v) => a + v, 0) / size;
    const v = s.reduce((a, v) => a + (v - m) ** 2, 0) / (size - 1);
    out.push(Math.sqrt(v) / m);
  }
  return out;
}

describe('gamma arrivals', () => {
  it.each([0.5, 1, 4])('have the requested inter-arrival CV (cv = %s) and mean gap 1/rate', (cv) => {
    const gap = interArrival({ process: 'gamma', rate_per_s: 10, cv }, new RandomStreams(1).stream('arrivals'));
    const x = Array.from({ length: 200_000 }, gap);
    const ci = meanInterval(batchCvs(x, 20), 0.99);
    // 99% interval covers the target and is tight enough to catch a 5% error.
    expect(Math.abs(ci.mean - cv)).toBeLessThan(ci.halfWidth + 0.005 * cv);
    expect(ci.halfWidth).toBeLessThan(0.025 * cv);
    const mean = meanInterval(x, 0.99);
    expect(Math.abs(mean.mean - 0.1)).toBeLessThan(mean.halfWidth);
  });
});

describe('diurnal arrivals (thinning)', () => {
  it('match a sinusoidal profile bin by bin (χ² over 20 phase bins)', () => {
    const profile = sinusoid({ mean_rate_per_s: 5, amplitude: 0.8, period_s: 1000, phase_s: 100 });
    const s = new RandomStreams(2);
    const next = thinnedArrivals(profile, s.stream('arrivals'), s.stream('arrivals.thinning'));
    const cycles = 20;
    const bins = new Array(20).fill(0) as number[];
    for (let t = next(); t < cycles * 1000; t = next()) bins[Math.floor((t % 1000) / 50)]!++;
    let chi2 = 0;
    bins.forEach((observed, b) => {
      // Expected count: cycles × ∫ λ over the bin (closed form of the sinusoid's integral).
      const w = (2 * Math.PI) / 1000;
      const F = (t: number) => 5 * (t - (0.8 / w) * Math.cos(w * (t - 100)));
      const expected = cycles * (F((b + 1) * 50) - F(b * 50));
      chi2 += (observed - expected) ** 2 / expected;
    });
    // χ²(19) at 99.9%: 43.82. A profile shifted by a tenth of a period fails by far.
    expect(chi2).toBeLessThan(43.82);
    expect(Math.max(...bins) / Math.min(...bins)).toBeGreaterThan(5);
  });

  it('follow piecewise-linear points, repeating with period_s', () => {
    const profile = piecewise(
      [
        { t_s: 0, rate_per_s: 2 },
        { t_s: 50, rate_per_s: 10 },
        { t_s: 100, rate_per_s: 2 },
      ],
      100,
    );
    expect(profile.rate(25)).toBeCloseTo(6, 12);
    expect(profile.rate(125)).toBeCloseTo(6, 12);
    const s = new RandomStreams(3);
    const next = thinnedArrivals(profile, s.stream('arrivals'), s.stream('arrivals.thinning'));
    let first = 0;
    let second = 0;
    for (let t = next(); t < 100 * 200; t = next()) {
      if (t % 100 < 50) first++;
      else second++;
    }
    // Both halves integrate to 300 per period: 60,000 each over 200 periods (± 4σ).
    for (const n of [first, second]) expect(Math.abs(n - 60_000)).toBeLessThan(4 * Math.sqrt(60_000));
  });
});

describe('empirical lengths', () => {
  it('resample the trace column: every quantile within the DKW bound (n = 20,000, α = 0.001)', () => {
    const path = `${TRACES}AzureLLMInferenceTrace_conv.csv.gz`;
    const trace = Array.from(traceLengths(path, 'azure-csv', 'prompt')).sort((a, b) => a - b);
    const draw = lengthSampler(
      { dist: 'empirical', path, format: 'azure-csv' },
      new RandomStreams(4).stream('lengths.prompt'),
      'prompt',
    );
    const n = 20_000;
    const sample = Array.from({ length: n }, draw).sort((a, b) => a - b);
    const cdf = (xs: number[], v: number) => {
      let lo = 0;
      let hi = xs.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((xs[mid] as number) <= v) lo = mid + 1;
        else hi = mid;
      }
      return lo / xs.length;
    };
    const bound = Math.sqrt(Math.log(2 / 0.001) / (2 * n));
    for (const q of [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99]) {
      const v = trace[Math.floor(q * (trace.length - 1))] as number;
      expect(Math.abs(cdf(sample, v) - cdf(trace, v)), `quantile ${q} (${v} tokens)`).toBeLessThan(bound);
    }
  });
});
