import { quote } from './quote.js';

// Row parsers of the supported trace formats. Each returns the row's time as an
// offset source (`stamp`) plus lengths, or throws TraceError naming the line. A bad
// value is quoted cut short (quote.ts): a field can be megabytes long.

export type TraceFormat = 'azure-csv' | 'mooncake-jsonl';
export const TRACE_FORMATS: readonly TraceFormat[] = ['azure-csv', 'mooncake-jsonl'];

/** A malformed trace: the line (when one is to blame) and what is wrong. */
export class TraceError extends Error {
  constructor(
    readonly line: number | undefined,
    message: string,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

export interface TraceRow {
  /** Whole seconds and sub-second ticks (1e-7 s) of the row's timestamp, kept apart so
   * that wall-clock epochs (1.7e9 s) lose no precision before offsets are taken. */
  seconds: number;
  ticks: number;
  promptTokens: number;
  outputTokens: number;
  /** Mooncake: ids of the prompt's 512-token blocks (equal ids = shared prefix). */
  prefixBlocks?: number[];
}

const TICKS_PER_S = 1e7;

/** Offset of `row` from `first`, in seconds. */
export function offsetSeconds(row: TraceRow, first: TraceRow): number {
  return row.seconds - first.seconds + (row.ticks - first.ticks) / TICKS_PER_S;
}

/**
 * Azure LLM inference traces (2023): header `TIMESTAMP,ContextTokens,GeneratedTokens`,
 * wall-clock timestamps `2023-11-16 18:17:03.9799600` (up to 7 fractional digits, no
 * time zone: read as UTC, only differences matter).
 */
export function parseAzureRow(text: string, line: number): TraceRow | null {
  if (line === 1) {
    if (text.replace(/\s/g, '') !== 'TIMESTAMP,ContextTokens,GeneratedTokens') {
      throw new TraceError(line, `expected the header "TIMESTAMP,ContextTokens,GeneratedTokens", got ${quote(text)}`);
    }
    return null;
  }
  if (text.trim() === '') return null;
  const fields = text.split(',');
  if (fields.length !== 3) throw new TraceError(line, `expected 3 comma-separated fields, got ${fields.length}`);
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?\s*$/.exec(fields[0] as string);
  if (!m) throw new TraceError(line, `TIMESTAMP must look like 2023-11-16 18:17:03.9799600, got ${quote(fields[0])}`);
  const [, y, mo, d, h, mi, s, frac] = m;
  const seconds = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000;
  if (!Number.isFinite(seconds)) throw new TraceError(line, `TIMESTAMP is not a date: ${quote(fields[0])}`);
  return {
    seconds,
    ticks: frac ? Number(frac.padEnd(7, '0')) : 0,
    promptTokens: count(fields[1] as string, 'ContextTokens', line, 1),
    outputTokens: count(fields[2] as string, 'GeneratedTokens', line, 1),
  };
}

/**
 * Mooncake traces (FAST 2025): one JSON object per line with `timestamp` (ms from the
 * trace start), `input_length`, `output_length` and `hash_ids`.
 */
export function parseMooncakeRow(text: string, line: number): TraceRow | null {
  if (text.trim() === '') return null;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new TraceError(line, 'not a JSON object');
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new TraceError(line, 'not a JSON object');
  const ms = o.timestamp;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
    throw new TraceError(line, `timestamp must be a non-negative number of ms, got ${quote(ms)}`);
  const blocks = o.hash_ids;
  if (blocks !== undefined && (!Array.isArray(blocks) || !blocks.every((b) => Number.isInteger(b)))) {
    throw new TraceError(line, 'hash_ids must be an array of integers');
  }
  const row: TraceRow = {
    seconds: Math.floor(ms / 1000),
    ticks: Math.round((ms % 1000) * 1e4),
    promptTokens: count(o.input_length, 'input_length', line, 1),
    outputTokens: count(o.output_length, 'output_length', line, 1),
  };
  if (blocks) row.prefixBlocks = blocks as number[];
  return row;
}

function count(value: unknown, field: string, line: number, min: number): number {
  const n = typeof value === 'string' ? (/^\s*\d+\s*$/.test(value) ? Number(value) : NaN) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw new TraceError(line, `${field} must be an integer ≥ ${min}, got ${quote(value)}`);
  }
  return n;
}

export const parseRow = (format: TraceFormat) => (format === 'azure-csv' ? parseAzureRow : parseMooncakeRow);
