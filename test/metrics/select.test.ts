// Selection gives exactly the order statistics a sort gives, and the summary's
// quantiles equal R type 7 over a sorted copy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectRank } from '../../sim/metrics/select.js';
import { quantiles } from '../../sim/metrics/latency-columns.js';

/** Values with many repeats, runs already in order and reversed, as latency columns have. */
const column = fc.oneof(
  fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { maxLength: 400 }),
  fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 400 }),
  fc.nat(600).map((n) => Array.from({ length: n }, (_, i) => i)),
  fc.nat(600).map((n) => Array.from({ length: n }, (_, i) => n - i)),
  fc.nat(600).map((n) => Array.from({ length: n }, (_, i) => Math.min(i, n - i))),
);

describe('selectRank', () => {
  it('puts at rank k the value a sort puts there, smaller ones before it and larger after', () => {
    fc.assert(
      fc.property(
        column.filter((v) => v.length > 0),
        fc.nat(),
        (values, seed) => {
          const a = Float64Array.from(values);
          const k = seed % a.length;
          selectRank(a, k, 0);
          const sorted = Float64Array.from(values).sort();
          expect(a[k]).toBe(sorted[k]);
          for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]!);
          for (let i = k + 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]!);
          expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from(sorted));
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });
});

describe('quantiles', () => {
  it('equal R type 7 over a sorted copy, NaN left out', () => {
    fc.assert(
      fc.property(
        column,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }),
        fc.nat(50),
        (values, ps, nans) => {
          const withNaN = Float64Array.from([...values, ...Array.from({ length: nans }, () => NaN)]);
          const sorted = Float64Array.from(values).sort();
          const n = sorted.length;
          const expected = ps.map((p) => {
            if (n === 0) return NaN;
            const h = (n - 1) * p;
            const lo = Math.floor(h);
            return lo + 1 < n ? sorted[lo]! + (sorted[lo + 1]! - sorted[lo]!) * (h - lo) : sorted[lo]!;
          });
          expect(quantiles(withNaN, [...ps, 0, 1])).toEqual([
            ...expected,
            n ? sorted[0] : NaN,
            n ? sorted[n - 1] : NaN,
          ]);
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });
});
