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
