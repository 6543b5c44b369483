import { describe, expect, it } from 'vitest';
import { TimeWeighted } from '../../sim/engine/index.js';

describe('TimeWeighted', () => {
  it('splits area across windows and clips the measured interval', () => {
    const tw = new TimeWeighted(10, 5, 25);
    tw.set(2, 3); // 3 from t=2
    tw.set(14, 1); // 1 from t=14
    tw.close(30);
    expect(tw.windowArea(0)).toBeCloseTo(3 * 8);
    expect(tw.windowArea(1)).toBeCloseTo(3 * 4 + 1 * 6);
    expect(tw.windowArea(2)).toBeCloseTo(10);
    expect(tw.windowArea(3)).toBe(0);
    expect(tw.measured).toBeCloseTo(3 * 9 + 1 * 11);
  });
});

describe('TimeWeighted.release', () => {
  it('forgets written windows, keeps the rest, and refuses windows still open', () => {
    const tw = new TimeWeighted(10);
    tw.set(0, 2);
    tw.close(25);
    // Windows 0 and 1 are final (closed to 25 s); window 2 is still open.
    tw.release(2);
    expect(() => tw.windowArea(1)).toThrow(/released/);
    expect(tw.windowArea(2)).toBeCloseTo(2 * 5);
    expect(() => tw.release(3)).toThrow(/still open/);
    tw.set(40, 0);
    expect(tw.windowArea(2)).toBeCloseTo(2 * 10);
    expect(tw.windowArea(3)).toBeCloseTo(2 * 10);
    expect(tw.measured).toBeCloseTo(2 * 40);
  });
});
