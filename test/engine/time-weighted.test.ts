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

describe('TimeWeighted, against a plain per-window sum', () => {
  // The reference adds each piece's area to its window in a plain array, piece by
  // piece in time order: the same terms in the same order, so the areas must agree
  // to the bit, including changes exactly on window boundaries and after releases.
  it('I7 windows: every window area and the measured area equal a plain sum bit for bit', () => {
    let state = 5;
    const u = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (let run = 0; run < 200; run++) {
      const w = [0.5, 1, 3][run % 3] as number;
      const tw = new TimeWeighted(w, 2, 40);
      const ref: number[] = [];
      let value = 0;
      let last = 0;
      let measured = 0;
      let released = 0;
      const refAdvance = (t: number) => {
        if (t <= last) return;
        if (value !== 0) {
          if (last >= 2 && t <= 40) measured += value * (t - last);
          else {
            const lo = Math.max(last, 2);
            const hi = Math.min(t, 40);
            if (hi > lo) measured += value * (hi - lo);
          }
          let k = Math.floor(last / w);
          for (let start = last; start < t; k++) {
            const end = Math.min(t, (k + 1) * w);
            ref[k] = (ref[k] ?? 0) + value * (end - start);
            start = end;
          }
        }
        last = t;
      };
      let t = 0;
      for (let step = 0; step < 60; step++) {
        // Times: a bit later, the same instant, or exactly a window boundary.
        const r = u();
        t = r < 0.2 ? t : r < 0.4 ? (Math.floor(t / w) + 1) * w : t + u() * 2 * w;
        const next = Math.floor(u() * 5);
        refAdvance(t);
        if (u() < 0.5) tw.set(t, next);
        else tw.add(t, next - value);
        value = next;
        if (u() < 0.1) {
          // As the window stream does: bring the area up to now, then let go of the past.
          tw.close(t);
          const k = Math.floor(t / w);
          tw.release(k);
          released = Math.max(released, k);
        }
      }
      refAdvance(t + w);
      tw.close(t + w);
      for (let k = released; k < ref.length; k++) expect(tw.windowArea(k)).toBe(ref[k] ?? 0);
      expect(tw.measured).toBe(measured);
    }
  });
});

describe('TimeWeighted.areaUntil', () => {
  it('is the whole area since 0, windows and measured interval aside, held value included up to t', () => {
    const tw = new TimeWeighted(10, 5, 25);
    tw.set(2, 3);
    tw.set(14, 1);
    expect(tw.areaUntil(14)).toBeCloseTo(3 * 12, 12);
    expect(tw.areaUntil(40)).toBeCloseTo(3 * 12 + 1 * 26, 12);
    tw.set(40, 0);
    expect(tw.areaUntil(100)).toBeCloseTo(3 * 12 + 26, 12);
  });
});
