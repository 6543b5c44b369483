import { randomExponential } from 'd3-random';
import { describe, expect, it } from 'vitest';
import { RandomStreams, streamSeed } from '../../sim/engine/index.js';
import { meanInterval } from '../../sim/studies/index.js';

const take = (f: () => number, n: number) => Array.from({ length: n }, f);

describe('RandomStreams', () => {
  it('gives the same sequence for the same seed and name', () => {
    expect(take(new RandomStreams(7).stream('arrivals'), 5)).toEqual(take(new RandomStreams(7).stream('arrivals'), 5));
  });

  it('gives unrelated sequences for other names and seeds', () => {
    const a = take(new RandomStreams(7).stream('arrivals'), 5);
    expect(take(new RandomStreams(7).stream('lengths.prompt'), 5)).not.toEqual(a);
    expect(take(new RandomStreams(8).stream('arrivals'), 5)).not.toEqual(a);
  });

  it('keeps streams independent: drawing from one does not move another (common random numbers)', () => {
    const s1 = new RandomStreams(3);
    const s2 = new RandomStreams(3);
    take(s1.stream('routing.prefill'), 1000);
    expect(take(s1.stream('arrivals'), 5)).toEqual(take(s2.stream('arrivals'), 5));
  });

  it('seeds differ for neighbouring seeds and similar names', () => {
    const seeds = new Set<number>();
    for (let s = 0; s < 100; s++)
      for (const n of ['a', 'b', 'service.prefill', 'service.decode']) seeds.add(streamSeed(s, n));
    expect(seeds.size).toBe(400);
  });

  it('feeds d3-random: exponential draws have mean 1/λ (10⁴ samples, 99% interval)', () => {
    const draw = randomExponential.source(new RandomStreams(11).stream('x'))(2);
    const ci = meanInterval(take(draw, 10_000), 0.99);
    expect(Math.abs(ci.mean - 0.5)).toBeLessThan(ci.halfWidth);
    expect(ci.halfWidth).toBeLessThan(0.015);
  });
});
