import { readLines } from './line-reader.js';
import { offsetSeconds, parseRow, TraceError, type TraceFormat, type TraceRow } from './trace-formats.js';

/** Which part of a trace to replay, and how fast. */
export interface TraceWindow {
  path: string;
  format: TraceFormat;
  /** Replay speed: 2 plays the trace twice as fast (arrival = offset ÷ time_scale). */
  time_scale: number;
  /** Start of the window, seconds from the trace's first row (trace time). */
  start_s: number;
  /** Length of the window in trace time; unbounded when undefined. */
  duration_s?: number | undefined;
}

export interface TraceArrival {
  arrival_s: number;
  promptTokens: number;
  outputTokens: number;
  prefixBlocks?: number[] | undefined;
  line: number;
}

/**
 * The trace's rows in the window, as arrivals: offsets are taken from the first row
 * of the file, the window's start is shifted to t = 0 and times are divided by
 * `time_scale`. Rows must be in time order: a row earlier than the one before it is an
 * error naming its line (sort the file first); nothing is reordered silently.
 * Streams the file: memory does not grow with its length.
 */
export function* traceArrivals(w: TraceWindow): Generator<TraceArrival> {
  const parse = parseRow(w.format);
  let first: TraceRow | undefined;
  let previous = -Infinity;
  let previousLine = 0;
  const end = w.duration_s === undefined ? Infinity : w.start_s + w.duration_s;
  for (const [line, text] of readLines(w.path)) {
    const row = parse(text, line);
    if (!row) continue;
    first ??= row;
    const offset = offsetSeconds(row, first);
    if (offset < previous) {
      throw new TraceError(
        line,
        `timestamp is earlier than line ${previousLine}'s (rows must be in time order; sort the file)`,
      );
    }
    previous = offset;
    previousLine = line;
    if (offset < w.start_s) continue;
    if (offset >= end) return;
    yield {
      arrival_s: (offset - w.start_s) / w.time_scale,
      promptTokens: row.promptTokens,
      outputTokens: row.outputTokens,
      prefixBlocks: row.prefixBlocks,
      line,
    };
  }
}

export interface TraceSummary {
  rows: number;
  firstArrival_s: number;
  lastArrival_s: number;
}

/** One streaming pass: checks every row and counts the window (before a run). */
export function scanTrace(w: TraceWindow): TraceSummary {
  let rows = 0;
  let firstArrival_s = NaN;
  let lastArrival_s = NaN;
  for (const a of traceArrivals(w)) {
    if (rows === 0) firstArrival_s = a.arrival_s;
    lastArrival_s = a.arrival_s;
    rows++;
  }
  return { rows, firstArrival_s, lastArrival_s };
}

/** Every value of one length column of a trace (for `empirical` distributions). */
export function traceLengths(path: string, format: TraceFormat, field: 'prompt' | 'output'): Int32Array {
  const parse = parseRow(format);
  let values = new Int32Array(1024);
  let n = 0;
  for (const [line, text] of readLines(path)) {
    const row = parse(text, line);
    if (!row) continue;
    if (n === values.length) {
      const grown = new Int32Array(values.length * 2);
      grown.set(values);
      values = grown;
    }
    values[n++] = field === 'prompt' ? row.promptTokens : row.outputTokens;
  }
  return values.slice(0, n);
}
