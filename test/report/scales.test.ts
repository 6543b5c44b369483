// Tick labels and ticks for duration axes, colours per name, and coinciding series.
import { describe, expect, it } from 'vitest';
import { ColorMap, coincident, coincideNote, logTicks, PALETTE, seconds, timeAxis } from '../../sim/report/scales.js';

describe('duration ticks', () => {
  it('labels in ms below a second and in s from one, never with an SI prefix', () => {
    expect(seconds(0.00085)).toBe('0.85 ms');
    expect(seconds(0.5)).toBe('500 ms');
    expect(seconds(0.0123456)).toBe('12.3 ms');
    expect(seconds(1)).toBe('1 s');
    expect(seconds(62.4)).toBe('62.4 s');
    expect(seconds(0)).toBe('0 s');
  });

  it('log ticks: 1-2-5 within two decades, one per decade beyond, every other past eight', () => {
    expect(logTicks(0.3, 4)).toEqual([0.5, 1, 2]);
    expect(logTicks(0.0004, 2)).toEqual([0.001, 0.01, 0.1, 1]);
    expect(logTicks(1e-6, 1e4)).toEqual([1e-6, 1e-4, 0.01, 1, 100, 1e4]);
    // Inside one decade with fewer than two 1-2-5 values: none, and the axis is linear.
    expect(logTicks(0.31, 0.45)).toEqual([]);
    expect(logTicks(0.0098, 0.0112)).toEqual([]);
    expect(timeAxis([0.0098, 0.0112], true, 'TPOT')).toMatchObject({ type: 'linear', ticks: 6 });
    expect(timeAxis([0.0004, 2], true, 'TTFT')).toMatchObject({ type: 'log', ticks: [0.001, 0.01, 0.1, 1] });
  });
});

describe('colours and coinciding series', () => {
  it('one colour per name in the order given, the same wherever asked', () => {
    const c = new ColorMap(['b', 'a', 'b', 'c']);
    expect([c.get('b'), c.get('a'), c.get('c')]).toEqual([PALETTE[0], PALETTE[1], PALETTE[2]]);
    expect(c.scale(['c', 'b'])).toEqual({ domain: ['c', 'b'], range: [PALETTE[2], PALETTE[0]], legend: true });
    expect(() => c.get('d')).toThrow(/no colour for d/);
  });

  it('finds series with identical values and says so', () => {
    const groups = coincident([
      { name: 'x', values: [1, 2] },
      { name: 'y', values: [1, 2] },
      { name: 'z', values: [1, 3] },
      { name: 'w', values: [1, 2] },
      { name: 'e', values: [] },
    ]);
    expect(groups).toEqual([['x', 'y', 'w']]);
    expect(coincideNote(groups)).toBe('x, y and w coincide (identical values): the lines hide each other.');
    expect(
      coincident([
        { name: 'x', values: [1] },
        { name: 'y', values: [2] },
      ]),
    ).toEqual([]);
  });
});
