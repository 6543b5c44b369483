// Columns built straight into Arrow buffers read back as apache-arrow's own builder's.
import { tableFromIPC, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makeTable, sparseStringColumn } from '../../sim/metrics/arrow.js';

describe('sparse string column', () => {
  const cases: Array<[number, Array<number | string>]> = [
    [0, []],
    [5, []],
    [5, [0, 'a', 4, 'é → ü']],
    [9, [1, '', 2, 'context of 20,000 tokens cannot fit', 8, 'decode-queue at the horizon (600 s)']],
    [3, [0, 'x', 1, 'y', 2, 'z']],
  ];
  it.each(cases)(
    '%i rows, entries %j: the values and nulls of the builder’s column, through IPC',
    (length, entries) => {
      const dense: Array<string | null> = new Array(length).fill(null);
      for (let j = 0; j < entries.length; j += 2) dense[entries[j] as number] = entries[j + 1] as string;
      const ours = sparseStringColumn(length, entries);
      const theirs = vectorFromArray(dense, new Utf8());
      expect(ours.toArray()).toEqual(theirs.toArray());
      expect(ours.nullCount).toBe(theirs.nullCount);
      const back = tableFromIPC(tableToIPC(makeTable({ reason: ours }), 'file')).getChild('reason')!;
      expect([...back]).toEqual(dense);
      expect(back.nullCount).toBe(length - entries.length / 2);
    },
  );

  it('refuses rows out of order or beyond its length', () => {
    expect(() => sparseStringColumn(3, [2, 'a', 1, 'b'])).toThrow(/row 1 out of order/);
    expect(() => sparseStringColumn(3, [3, 'a'])).toThrow(/beyond 3/);
  });
});
