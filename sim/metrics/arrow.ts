import {
  Bool,
  DataType,
  Dictionary,
  Float64,
  Int32,
  makeData,
  makeVector,
  Table,
  Utf8,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { InvariantError } from '../engine/index.js';

// Column builders for the result tables. Times use NaN in memory for "did not happen";
// Arrow gets a validity bitmap so readers see null.

export function float64Column(values: ArrayLike<number>): Vector {
  const data = values instanceof Float64Array ? values : Float64Array.from(values);
  const n = data.length;
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(data[i])) nulls++;
    else bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
  }
  return makeVector(
    makeData({ type: new Float64(), length: n, nullCount: nulls, nullBitmap: nulls > 0 ? bitmap : null, data }),
  );
}

export function int32Column(values: ArrayLike<number>): Vector {
  const data = values instanceof Int32Array ? values : Int32Array.from(values);
  return makeVector(makeData({ type: new Int32(), length: data.length, nullCount: 0, data }));
}

/** Repetitive strings (statuses, node names) as a dictionary column. */
export function stringColumn(values: ReadonlyArray<string | null>): Vector {
  return vectorFromArray(values as (string | null)[], new Dictionary(new Utf8(), new Int32()));
}

/** Booleans (or 0/1) packed into Arrow's bitmap, no nulls. */
export function boolColumn(values: ArrayLike<boolean | number>): Vector {
  const n = values.length;
  const data = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (values[i]) data[i >> 3] = (data[i >> 3] as number) | (1 << (i & 7));
  return makeVector(makeData({ type: new Bool(), length: n, nullCount: 0, data }));
}

/**
 * A table from named columns. apache-arrow numbers dictionary types from a
 * process-wide counter, which would make the bytes depend on what ran before; we
 * renumber each dictionary by its column position so identical runs give identical files.
 */
export function makeTable(columns: Record<string, Vector>): Table {
  const fixed: Record<string, Vector> = {};
  Object.entries(columns).forEach(([name, vector], position) => {
    const type = vector.type;
    if (DataType.isDictionary(type)) {
      const renumbered = new Dictionary(type.dictionary, type.indices, position, type.isOrdered);
      fixed[name] = makeVector(vector.data.map((d) => d.clone(renumbered)));
    } else {
      fixed[name] = vector;
    }
  });
  return new Table(fixed);
}

export type ColumnKind = 'string' | 'int' | 'float' | 'bool';

/** A table from row objects with declared column kinds (null/undefined → null). */
export function tableFromRows(
  rows: ReadonlyArray<Record<string, unknown>>,
  columns: ReadonlyArray<[string, ColumnKind]>,
): Table {
  const out: Record<string, Vector> = {};
  for (const [name, kind] of columns) {
    const values = rows.map((r) => r[name]);
    if (kind === 'string')
      out[name] = stringColumn(values.map((v) => (v === null || v === undefined ? null : String(v))));
    else if (kind === 'bool')
      out[name] = vectorFromArray(
        values.map((v) => (v === null || v === undefined ? null : Boolean(v))),
        new Bool(),
      );
    else if (kind === 'int')
      out[name] = vectorFromArray(
        values.map((v) => (typeof v === 'number' ? v : null)),
        new Int32(),
      );
    else out[name] = float64Column(values.map((v) => (typeof v === 'number' ? v : NaN)));
  }
  return makeTable(out);
}

/**
 * A string column whose values are known before the run (instance names, statuses):
 * Int32 codes into one dictionary shared by every record batch. An IPC file may not
 * replace a dictionary between batches, and this one never changes, so a streamed
 * file carries it once; writing a code is an integer store instead of a UTF-8 encode.
 */
export class FixedDictionary {
  private readonly dictionary: Vector;
  private readonly type = new Dictionary(new Utf8(), new Int32());

  /** The code of a value is its position in `values` (callers know it: an instance's index). */
  constructor(values: readonly string[]) {
    this.dictionary = vectorFromArray(values as string[], new Utf8());
  }

  /** A column of codes (-1 = null). */
  column(codes: ArrayLike<number>): Vector {
    const n = codes.length;
    const data = new Int32Array(n);
    const bitmap = new Uint8Array((n + 7) >> 3);
    let nulls = 0;
    for (let i = 0; i < n; i++) {
      const c = codes[i] as number;
      if (c < 0) nulls++;
      else {
        data[i] = c;
        bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
      }
    }
    return makeVector(
      makeData({
        type: this.type,
        length: n,
        nullCount: nulls,
        nullBitmap: nulls > 0 ? bitmap : null,
        data,
        dictionary: this.dictionary,
      }),
    );
  }
}

/**
 * Strings without a dictionary (record batches of one file cannot each bring their
 * own), given sparsely: `entries` lists row, value, row, value… in increasing rows, and
 * every other row of the `length` is null. Built straight into Arrow's buffers (offsets,
 * UTF-8 bytes, validity): apache-arrow's builder costs a call per row, and a request
 * log's reasons are null on almost every row.
 */
export function sparseStringColumn(length: number, entries: ReadonlyArray<number | string>): Vector {
  const encoder = new TextEncoder();
  const encoded: Uint8Array[] = [];
  let bytes = 0;
  for (let j = 1; j < entries.length; j += 2) {
    const b = encoder.encode(entries[j] as string);
    encoded.push(b);
    bytes += b.length;
  }
  const offsets = new Int32Array(length + 1);
  const bitmap = new Uint8Array((length + 7) >> 3);
  const data = new Uint8Array(bytes);
  let at = 0;
  let row = 0;
  for (let j = 0; j < entries.length; j += 2) {
    const i = entries[j] as number;
    if (!(i >= row && i < length))
      throw new InvariantError(`sparse string column: row ${i} out of order or beyond ${length}`);
    offsets.fill(at, row + 1, i + 1);
    const b = encoded[j >> 1] as Uint8Array;
    data.set(b, at);
    at += b.length;
    offsets[i + 1] = at;
    bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
    row = i + 1;
  }
  offsets.fill(at, row + 1);
  const nulls = length - entries.length / 2;
  return makeVector(
    makeData({
      type: new Utf8(),
      length,
      nullCount: nulls,
      nullBitmap: nulls > 0 ? bitmap : null,
      valueOffsets: offsets,
      data,
    }),
  );
}
