import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { InvariantError } from '../engine/index.js';
import { selectRank } from './select.js';

/**
 * Columns of numbers (a run's latencies, a row per measured completed request) whose
 * exact quantiles and means are wanted at the end, in bounded memory: rows are kept in
 * blocks, and full blocks go to a store — memory, or a scratch file, so a run of any
 * length holds one block and a histogram per column. At the end each order statistic
 * is found in a few passes over the blocks (`orderStatistics`), not by holding them all.
 */
export interface BlockStore {
  /** Keep a full block (the caller reuses its buffer). */
  append(block: Float64Array): void;
  /** Every block appended, in order; `buffer` may be filled and passed back. */
  forEach(buffer: Float64Array, each: (block: Float64Array, index: number) => void): void;
  /** Let go of the blocks (and the file). */
  close(): void;
}

/** Blocks kept in memory: 8 bytes a value, as a plain column would. */
export class MemoryBlocks implements BlockStore {
  private readonly blocks: Float64Array[] = [];

  append(block: Float64Array): void {
    this.blocks.push(block.slice());
  }

  forEach(_buffer: Float64Array, each: (block: Float64Array, index: number) => void): void {
    this.blocks.forEach(each);
  }

  close(): void {
    this.blocks.length = 0;
  }
}

/** Blocks written to a scratch file (created at the first block, removed on close). */
export class FileBlocks implements BlockStore {
  private fd: number | null = null;
  private count = 0;

  constructor(readonly path: string) {}

  append(block: Float64Array): void {
    this.fd ??= openSync(this.path, 'w+');
    writeAll(this.fd, block, this.count * block.byteLength);
    this.count++;
  }

  forEach(buffer: Float64Array, each: (block: Float64Array, index: number) => void): void {
    for (let i = 0; i < this.count; i++) {
      readAll(this.fd as number, buffer, i * buffer.byteLength);
      each(buffer, i);
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.count = 0;
    rmSync(this.path, { force: true });
  }
}

function writeAll(fd: number, block: Float64Array, position: number): void {
  const bytes = new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done, position + done);
}

function readAll(fd: number, into: Float64Array, position: number): void {
  const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
  for (let done = 0; done < bytes.length;) {
    const n = readSync(fd, bytes, done, bytes.length - done, position + done);
    if (n === 0) throw new InvariantError(`latency scratch file ended early at byte ${position + done}`);
    done += n;
  }
}

export interface LatencyColumnsOptions {
  /** Rows per block (what stays in memory between appends). Default 2^14, a choice:
   * 655 KB for five columns, and a few hundred writes for an hour of the datacenter. */
  blockRows?: number;
  /** Candidates an order statistic may gather into memory; above it the range is split
   * first. Default 2^18 (2 MB), a choice. */
  gatherLimit?: number;
}

/**
 * A value's level-0 bucket: the sign, the exponent and the top six bits of the
 * mantissa, in the values' order (a bucket spans a factor of at most 1 + 1/64). A
 * choice: 2^18 buckets cost 2 MB a column and leave tens of thousands of values in
 * the busiest bucket of a seven-million-row column.
 */
const BUCKET_BITS = 18;
const BUCKETS = 1 << BUCKET_BITS;
/** Sub-ranges a too-full candidate range is split into per pass (a choice). */
const SPLITS = 4096;
/** Index of the high 32-bit word of a float64 in a Uint32Array view of it. */
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/** One order statistic being narrowed down: rank `rank` among the candidates. */
interface Search {
  column: number;
  rank: number;
  /** Values below the candidates. */
  below: number;
  /** Candidates: values in level-0 bucket `bucket`, or (bucket −1) values in [lo, hi]. */
  bucket: number;
  lo: number;
  hi: number;
  count: number;
  value: number | undefined;
}

export class LatencyColumns {
  private readonly blockRows: number;
  private readonly gatherLimit: number;
  private readonly block: Float64Array;
  private rows = 0;
  private appended = 0;
  /** Per column, from appended blocks: non-NaN count, sum (row order) and level-0 histogram. */
  private readonly n: number[];
  private readonly sum: number[];
  private hist: Float64Array[] | null = null;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);
  private sealed = false;

  constructor(
    readonly columns: number,
    private readonly store: BlockStore,
    options: LatencyColumnsOptions = {},
  ) {
    this.blockRows = options.blockRows ?? 1 << 14;
    this.gatherLimit = options.gatherLimit ?? 1 << 18;
    this.block = new Float64Array(columns * this.blockRows);
    this.n = new Array<number>(columns).fill(0);
    this.sum = new Array<number>(columns).fill(0);
  }

  /** Set column `c` of the current row (NaN: no value). */
  set(c: number, v: number): void {
    this.block[c * this.blockRows + this.rows] = v;
  }

  endRow(): void {
    if (this.sealed) throw new InvariantError('latency rows added after their quantiles were taken');
    if (++this.rows === this.blockRows) this.append();
  }

  /**
   * R type 7 quantiles of each column's non-NaN values (`ps[c]` are column c's
   * probabilities), as `quantiles` would give over the whole column.
   */
  quantiles(ps: readonly (readonly number[])[]): number[][] {
    this.seal();
    if (this.appended === 0)
      return ps.map((cps, c) =>
        quantiles(this.block.subarray(c * this.blockRows, c * this.blockRows + this.rows), cps),
      );
    const found = this.orderStatistics(ps.map((cps, c) => cps.flatMap((p) => ranksRead(this.count(c), p))));
    return ps.map((cps, c) =>
      cps.map((p) => type7(this.count(c), p, (r) => (found[c] as Map<number, number>).get(r) as number)),
    );
  }

  /** Mean of column c's non-NaN values (their sum in row order over their count); NaN when none. */
  mean(c: number): number {
    this.seal();
    const n = this.count(c);
    return n > 0 ? (this.sum[c] as number) / n : NaN;
  }

  /** Non-NaN values in column c. */
  count(c: number): number {
    this.seal();
    return this.n[c] as number;
  }

  close(): void {
    this.store.close();
  }

  /**
   * The values of the given ranks (0-based, among non-NaN values in order) of each
   * column, from stored blocks. Each rank starts in its level-0 bucket; a pass over the
   * blocks gathers the bucket's values when they are few enough and selects among them,
   * or else finds the candidates' bounds and then splits that range into SPLITS
   * sub-ranges (counts, least and greatest value of each), keeping the one that holds
   * the rank, until the candidates are few or equal.
   */
  private orderStatistics(ranks: readonly (readonly number[])[]): Array<Map<number, number>> {
    const found = ranks.map(() => new Map<number, number>());
    if (this.appended === 0) throw new InvariantError('order statistics by search need stored blocks');
    const searches: Search[] = [];
    ranks.forEach((rs, c) => {
      for (const rank of new Set(rs)) searches.push(this.startSearch(c, rank));
    });
    for (
      let open = searches.filter((s) => s.value === undefined);
      open.length > 0;
      open = open.filter((s) => s.value === undefined)
    ) {
      this.narrow(open);
    }
    for (const s of searches) (found[s.column] as Map<number, number>).set(s.rank, s.value as number);
    return found;
  }

  private startSearch(column: number, rank: number): Search {
    const hist = (this.hist as Float64Array[])[column] as Float64Array;
    let below = 0;
    let b = 0;
    while (below + (hist[b] as number) <= rank) below += hist[b++] as number;
    return { column, rank, below, bucket: b, lo: NaN, hi: NaN, count: hist[b] as number, value: undefined };
  }

  /** One pass over the blocks, moving every open search a step. */
  private narrow(open: Search[]): void {
    type Step =
      | { kind: 'gather'; s: Search; values: Float64Array; k: number }
      | { kind: 'bounds'; s: Search; min: number; max: number }
      | { kind: 'split'; s: Search; width: number; count: Float64Array; min: Float64Array; max: Float64Array };
    const steps: Step[] = open.map((s) => {
      if (s.count <= this.gatherLimit || (s.bucket < 0 && !(s.hi - s.lo < Infinity)))
        return { kind: 'gather', s, values: new Float64Array(s.count), k: 0 };
      if (s.bucket >= 0) return { kind: 'bounds', s, min: Infinity, max: -Infinity };
      return {
        kind: 'split',
        s,
        width: s.hi - s.lo,
        count: new Float64Array(SPLITS),
        min: new Float64Array(SPLITS).fill(Infinity),
        max: new Float64Array(SPLITS).fill(-Infinity),
      };
    });
    const rows = this.blockRows;
    const last = this.appended - 1;
    const tail = this.rows;
    this.store.forEach(this.block, (block, index) => {
      const used = index === last && tail > 0 ? tail : rows;
      for (const step of steps) {
        const s = step.s;
        const from = s.column * rows;
        for (let i = from; i < from + used; i++) {
          const v = block[i] as number;
          if (s.bucket >= 0 ? v !== v || this.bucketOf(v) !== s.bucket : !(v >= s.lo && v <= s.hi)) continue;
          if (step.kind === 'gather') step.values[step.k++] = v;
          else if (step.kind === 'bounds') {
            if (v < step.min) step.min = v;
            if (v > step.max) step.max = v;
          } else {
            const j = Math.min(SPLITS - 1, Math.floor(((v - s.lo) / step.width) * SPLITS));
            step.count[j] = (step.count[j] as number) + 1;
            if (v < (step.min[j] as number)) step.min[j] = v;
            if (v > (step.max[j] as number)) step.max[j] = v;
          }
        }
      }
    });
    for (const step of steps) {
      const s = step.s;
      const within = s.rank - s.below;
      if (step.kind === 'gather') {
        if (step.k !== s.count)
          throw new InvariantError(`order statistic: found ${step.k} candidates, counted ${s.count}`);
        selectRank(step.values, within, 0);
        s.value = step.values[within] as number;
      } else if (step.kind === 'bounds') {
        s.bucket = -1;
        s.lo = step.min;
        s.hi = step.max;
        if (s.lo === s.hi) s.value = s.lo;
      } else {
        let j = 0;
        let below = 0;
        while (below + (step.count[j] as number) <= within) below += step.count[j++] as number;
        s.below += below;
        s.count = step.count[j] as number;
        s.lo = step.min[j] as number;
        s.hi = step.max[j] as number;
        if (s.lo === s.hi) s.value = s.lo;
      }
    }
  }

  /** Level-0 bucket of a non-NaN value; −0 goes with +0, which it equals. */
  private bucketOf(v: number): number {
    this.f64[0] = v + 0;
    const high = this.u32[HIGH_WORD] as number;
    // Non-negative floats order as their bits; negative ones in reverse.
    return (high >>> 31 === 1 ? ~high : high | 0x80000000) >>> (32 - BUCKET_BITS);
  }

  /** Tally and store the current block, full or (at the end) partial. */
  private append(): void {
    this.tally((this.hist ??= Array.from({ length: this.columns }, () => new Float64Array(BUCKETS))));
    this.store.append(this.block);
    this.appended++;
    if (this.rows === this.blockRows) this.rows = 0;
  }

  /** Add the current block's rows to each column's count and sum (row order) and, given one, its histogram. */
  private tally(hist: Float64Array[] | null): void {
    for (let c = 0; c < this.columns; c++) {
      const h = hist?.[c];
      const from = c * this.blockRows;
      let n = this.n[c] as number;
      let sum = this.sum[c] as number;
      for (let i = from; i < from + this.rows; i++) {
        const v = this.block[i] as number;
        if (v !== v) continue;
        n++;
        sum += v;
        if (h) {
          const b = this.bucketOf(v);
          h[b] = (h[b] as number) + 1;
        }
      }
      this.n[c] = n;
      this.sum[c] = sum;
    }
  }

  /** No more rows: tally what is left (kept in memory, without a histogram, when nothing was ever stored). */
  private seal(): void {
    if (this.sealed) return;
    this.sealed = true;
    if (this.appended === 0) this.tally(null);
    else if (this.rows > 0) this.append();
  }
}

/**
 * R type 7 quantiles of the non-NaN values: h = (n − 1)·p, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] −
 * x[⌊h⌋]) over the values in order (arquero's formula, term for term), the two order
 * statistics found by selection (sim/metrics/select.ts); NaN when there are none.
 */
export function quantiles(values: Float64Array, ps: readonly number[]): number[] {
  // Indexed loops: these run once per run over many values, mostly before the
  // optimizer sees them, where for-of allocates an iterator result per value.
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) n++;
  const a = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) a[k++] = v;
  }
  // Selected in increasing order: each selection leaves everything after its rank no
  // smaller, so the next starts there.
  let from = 0;
  for (const r of [...new Set(ps.flatMap((p) => ranksRead(n, p)))].sort((x, y) => x - y)) {
    selectRank(a, r, from);
    from = r + 1;
  }
  return ps.map((p) => type7(n, p, (r) => a[r] as number));
}

/** The ranks (0-based) that quantile p of n values reads. */
function ranksRead(n: number, p: number): number[] {
  if (n === 0) return [];
  const r = p <= 0 || n < 2 ? 0 : p >= 1 ? n - 1 : Math.floor((n - 1) * p);
  return r + 1 < n ? [r, r + 1] : [r];
}

/** Quantile p (R type 7) of n values, given the value at a rank; NaN when n = 0. */
function type7(n: number, p: number, at: (rank: number) => number): number {
  if (n === 0) return NaN;
  if (p <= 0 || n < 2) return at(0);
  if (p >= 1) return at(n - 1);
  const i = (n - 1) * p;
  const i0 = Math.floor(i);
  const v0 = at(i0);
  return v0 + (at(i0 + 1) - v0) * (i - i0);
}
