import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { removeItem } from '../../sim/engine/index.js';

describe('removeItem', () => {
  it('takes out the first occurrence and keeps the order, as indexOf + splice would', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(9), { maxLength: 30 }), fc.nat(9), (items, item) => {
        const expected = [...items];
        const i = expected.indexOf(item);
        if (i >= 0) expected.splice(i, 1);
        const actual = [...items];
        expect(removeItem(actual, item)).toBe(i >= 0);
        expect(actual).toEqual(expected);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
