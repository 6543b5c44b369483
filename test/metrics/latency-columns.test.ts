// The summary's latency columns in blocks (memory or a scratch file): the quantiles
// found by narrowing over the blocks must be the order statistics of the whole column,
// exactly, however the values tie or cluster.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BlockStore,
  FileBlocks,
  LatencyColumns,
  MemoryBlocks,
  quantiles,
} from '../../sim/metrics/latency-columns.js';

const PS = [0, 0.001, 0.1, 0.5, 0.9, 0.99, 0.999, 1];

function lcg(seed: number): () => number {
  let state = seed;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Columns that stress the search: spread, tied, clustered, signed, sparse. */
function columnsOf(n: number, u: () => number): Float64Array[] {
  const make = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  return [
    make(() => Math.exp(3 * u() - 2)), // lognormal-like spread
    make(() => (u() < 0.9 ? 0 : u())), // mostly zero (queue delays)
    make(() => 0.0125), // constant (deterministic service)
    make(() => (u() < 0.5 ? 1 : 1 + 2 ** -40)), // two values one bucket cannot tell apart
    make(() => (u() < 0.2 ? NaN : u() - 0.5)), // signed, with gaps
    make(() => 1 + u() * 2 ** -45), // a cluster a few ulps wide
    make(() => 1 + u() * 2 ** -10), // one bucket, all distinct: split, then gathered
    make(() => 1 + u() ** 12 * 2 ** -10), // one bucket, crowded at its low end: split twice
    make((i) => (i % 3 === 0 ? -0 : u() < 0.5 ? 0 : 2 ** -1074)), // −0, +0 and the least subnormal
  ];
}

function filled(values: Float64Array[], store: BlockStore, blockRows: number, gatherLimit: number): LatencyColumns {
  const cols = new LatencyColumns(values.length, store, { blockRows, gatherLimit });
  const n = (values[0] as Float64Array).length;
  for (let i = 0; i < n; i++) {
    values.forEach((col, c) => cols.set(c, col[i] as number));
    cols.endRow();
  }
  return cols;
}

function meanInOrder(values: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += v;
    n++;
  }
  return n > 0 ? sum / n : NaN;
}

describe('latency columns in blocks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-latencies-'));
  const stores: Array<[string, () => BlockStore]> = [
    ['memory', () => new MemoryBlocks()],
    ['a scratch file', () => new FileBlocks(join(dir, 'scratch'))],
  ];

  for (const [name, store] of stores) {
    it(`give the whole column's quantiles and means, blocks in ${name}`, () => {
      const u = lcg(11);
      // Sizes around block boundaries; tiny blocks and gather limits force every step
      // of the search (bounds, splits) on every column.
      for (const [n, blockRows, gatherLimit] of [
        [0, 16, 4],
        [5, 16, 4],
        [16, 16, 4],
        [17, 16, 4],
        [1000, 64, 8],
        [5000, 256, 3],
        [20000, 1024, 50],
      ] as const) {
        const values = columnsOf(n, u);
        const cols = filled(values, store(), blockRows, gatherLimit);
        const got = cols.quantiles(values.map(() => PS));
        values.forEach((col, c) => {
          expect(got[c], `column ${c}, n = ${n}`).toEqual(quantiles(col, PS));
          expect(cols.mean(c)).toBe(meanInOrder(col));
        });
        cols.close();
      }
    });
  }

  it('keep one block in memory and write the rest to the scratch file, removed on close', () => {
    const path = join(dir, 'removed');
    const small = filled(columnsOf(10, lcg(3)), new FileBlocks(path), 16, 4);
    small.quantiles([[0.5]]);
    expect(existsSync(path)).toBe(false); // shorter than a block: no file at all
    small.close();
    const big = filled(columnsOf(100, lcg(3)), new FileBlocks(path), 16, 4);
    expect(existsSync(path)).toBe(true);
    big.quantiles([[0.5]]);
    big.close();
    expect(existsSync(path)).toBe(false);
  });
});
