import type { RecordBatch, Table } from 'apache-arrow';
import { Table as ArrowTable } from 'apache-arrow';
import { InvariantError } from '../engine/index.js';
import type { Request } from '../serving/request.js';
import { boolColumn, FixedDictionary, float64Column, int32Column, makeTable, sparseStringColumn } from './arrow.js';
import type { BlockStore } from './latency-columns.js';
import { RunTally } from './run-tally.js';

/** Where finished record batches go: a file as they come, or memory. */
export interface BatchSink {
  write(batch: RecordBatch): void;
}

/** Rows per record batch: the memory a run holds for request rows, whatever its length. */
export const BATCH_ROWS = 1 << 16;

const STATUS_CODE = { completed: 0, rejected: 1, unfinished: 2 } as const;

/**
 * One row per generated request, appended when the request ends (completed or
 * rejected) or when the run stops with it still in flight (unfinished). Rows are in
 * the order requests ended. Every BATCH_ROWS rows become an Arrow record batch handed
 * to the sink (streamed to requests.arrow by the CLI), so memory does not grow with the
 * run; nor does the summary's tally when its latencies go to a scratch file.
 * Columns: docs/metrics.md.
 */
export class RequestLog {
  private chunk = new Chunk(FIRST_CAPACITY);
  private readonly kept: RecordBatch[] = [];
  /** What the summary needs, gathered as requests end. */
  readonly tally: RunTally;
  private total = 0;
  /** Record batches made so far. */
  private batches = 0;
  private readonly statuses = new FixedDictionary(['completed', 'rejected', 'unfinished']);
  /** Instance names: a request's node is its instance's index. */
  private readonly nodes: FixedDictionary;

  constructor(
    instanceNames: readonly string[],
    slo: { ttft_s?: number | undefined; tpot_s?: number | undefined } | undefined,
    private readonly sink?: BatchSink,
    latencies?: BlockStore,
  ) {
    this.nodes = new FixedDictionary(instanceNames);
    this.tally = new RunTally(slo, latencies);
  }

  get rows(): number {
    return this.total;
  }

  add(r: Request): void {
    const status = r.status;
    if (!status) throw new InvariantError(`request ${r.id} recorded before it ended`);
    checkOrder(r);
    let chunk = this.chunk;
    if (chunk.rows === chunk.capacity) chunk = this.chunk = chunk.grown();
    const i = chunk.rows++;
    const c = chunk.columns;
    c.request_id[i] = r.id;
    c.arrival_s[i] = r.arrival_s;
    c.prompt_tokens[i] = r.promptTokens;
    c.output_tokens[i] = r.outputTokens;
    c.status[i] = STATUS_CODE[status];
    if (r.reason !== null) chunk.reasons.push(i, r.reason);
    c.warmup[i] = r.warmup ? 1 : 0;
    c.prefill_node[i] = r.prefillInstance ? r.prefillInstance.index : -1;
    c.decode_node[i] = r.decodeInstance ? r.decodeInstance.index : -1;
    c.preemptions[i] = r.preemptions;
    c.retries[i] = r.retries;
    c.link_stalls[i] = r.linkStalls;
    const ttft = r.firstToken_s - r.arrival_s;
    const tpot = r.outputTokens > 1 ? (r.completion_s - r.firstToken_s) / (r.outputTokens - 1) : NaN;
    const e2e = r.completion_s - r.arrival_s;
    const prefillQueue = r.prefillStart_s - r.arrival_s;
    const decodeQueue = r.decodeStart_s - r.decodeEnqueue_s;
    c.prefill_queue_s[i] = prefillQueue;
    c.prefill_start_s[i] = r.prefillStart_s;
    c.first_token_s[i] = r.firstToken_s;
    c.transfer_queue_s[i] = r.transferStart_s - r.transferEnqueue_s;
    c.transfer_s[i] = r.transferEnd_s - r.transferStart_s;
    c.decode_queue_s[i] = decodeQueue;
    c.decode_start_s[i] = r.decodeStart_s;
    c.completion_s[i] = r.completion_s;
    c.ttft_s[i] = ttft;
    c.tpot_s[i] = tpot;
    c.e2e_s[i] = e2e;
    this.tally.add(r, ttft, tpot, e2e, prefillQueue, decodeQueue);
    this.total++;
    if (chunk.rows >= BATCH_ROWS) this.flush();
  }

  /** Flush the last rows; the whole table when there is no sink, else undefined. */
  finish(): Table | undefined {
    // An empty run still writes one (empty) batch, so the file has its schema.
    if (this.chunk.rows > 0 || this.batches === 0) this.flush();
    return this.sink ? undefined : new ArrowTable(this.kept);
  }

  private flush(): void {
    this.batches++;
    const chunk = this.chunk;
    // A run that filled a batch will fill more: the next chunk starts at full size.
    this.chunk = new Chunk(chunk.capacity);
    const n = chunk.rows;
    const c = chunk.columns;
    const rows = <T extends Int32Array | Float64Array | Uint8Array>(values: T): T => values.subarray(0, n) as T;
    const columns: Record<string, ReturnType<typeof float64Column>> = {
      request_id: int32Column(rows(c.request_id)),
      arrival_s: float64Column(rows(c.arrival_s)),
      prompt_tokens: int32Column(rows(c.prompt_tokens)),
      output_tokens: int32Column(rows(c.output_tokens)),
      status: this.statuses.column(rows(c.status)),
      reason: sparseStringColumn(n, chunk.reasons),
      warmup: boolColumn(rows(c.warmup)),
      prefill_node: this.nodes.column(rows(c.prefill_node)),
      decode_node: this.nodes.column(rows(c.decode_node)),
    };
    for (const name of TIME_COLUMNS) columns[name] = float64Column(rows(c[name]));
    columns.preemptions = int32Column(rows(c.preemptions));
    columns.retries = int32Column(rows(c.retries));
    columns.link_stalls = int32Column(rows(c.link_stalls));
    for (const batch of makeTable(columns).batches) {
      if (this.sink) this.sink.write(batch);
      else this.kept.push(batch);
    }
  }
}

/**
 * Invariant: a request's timestamps are ordered (those that happened). Checked as each
 * row is written, naming the request, so a scheduling bug can never write a table.
 */
function checkOrder(r: Request): void {
  // Runs for every row: no array, no closure.
  let last = r.arrival_s;
  last = notBefore(r, last, r.prefillStart_s);
  // A retried request keeps the first token of its first attempt; its other stamps
  // are its last attempt's, which may have restarted prefill after that token.
  if (r.retries > 0 && r.firstToken_s < last) notBefore(r, r.arrival_s, r.firstToken_s);
  else last = notBefore(r, last, r.firstToken_s);
  last = notBefore(r, last, r.transferStart_s);
  last = notBefore(r, last, r.transferEnd_s);
  last = notBefore(r, last, r.decodeStart_s);
  notBefore(r, last, r.completion_s);
}

function notBefore(r: Request, last: number, t: number): number {
  if (Number.isNaN(t)) return last;
  if (t < last) {
    const stamps = [
      r.arrival_s,
      r.prefillStart_s,
      r.firstToken_s,
      r.transferStart_s,
      r.transferEnd_s,
      r.decodeStart_s,
      r.completion_s,
    ];
    throw new InvariantError(`request ${r.id}: timestamps out of order (${stamps.join(', ')})`);
  }
  return t;
}

const TIME_COLUMNS = [
  'prefill_queue_s',
  'prefill_start_s',
  'first_token_s',
  'transfer_queue_s',
  'transfer_s',
  'decode_queue_s',
  'decode_start_s',
  'completion_s',
  'ttft_s',
  'tpot_s',
  'e2e_s',
] as const;

/** The typed array behind each column of a chunk, by column name (reasons are kept sparse). */
const CHUNK_COLUMNS = {
  request_id: Int32Array,
  arrival_s: Float64Array,
  prompt_tokens: Int32Array,
  output_tokens: Int32Array,
  status: Int32Array,
  warmup: Uint8Array,
  prefill_node: Int32Array,
  decode_node: Int32Array,
  prefill_queue_s: Float64Array,
  prefill_start_s: Float64Array,
  first_token_s: Float64Array,
  transfer_queue_s: Float64Array,
  transfer_s: Float64Array,
  decode_queue_s: Float64Array,
  decode_start_s: Float64Array,
  completion_s: Float64Array,
  ttft_s: Float64Array,
  tpot_s: Float64Array,
  e2e_s: Float64Array,
  preemptions: Int32Array,
  retries: Int32Array,
  link_stalls: Int32Array,
} as const;
type ChunkColumns = { [K in keyof typeof CHUNK_COLUMNS]: InstanceType<(typeof CHUNK_COLUMNS)[K]> };

/** Rows of a record batch in the making, in typed arrays: no boxed values, little for the collector. */
class Chunk {
  rows = 0;
  readonly columns: ChunkColumns;
  /** Rejection reasons, sparse: row, reason, row, reason… (most rows have none). */
  reasons: Array<number | string> = [];

  constructor(readonly capacity: number) {
    const columns: Record<string, Int32Array | Float64Array | Uint8Array> = {};
    for (const [name, Column] of Object.entries(CHUNK_COLUMNS)) columns[name] = new Column(capacity);
    this.columns = columns as ChunkColumns;
  }

  /** The same rows with twice the room (short runs keep small chunks). */
  grown(): Chunk {
    const next = new Chunk(Math.min(BATCH_ROWS, this.capacity * 2));
    next.rows = this.rows;
    for (const name of Object.keys(CHUNK_COLUMNS) as Array<keyof ChunkColumns>) {
      (next.columns[name] as Float64Array).set(this.columns[name] as ArrayLike<number>);
    }
    next.reasons = this.reasons;
    return next;
  }
}

/** The first chunk's rows; chunks double up to BATCH_ROWS. */
const FIRST_CAPACITY = 1024;
