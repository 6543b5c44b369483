import type { RecordBatch, Table } from 'apache-arrow';
import { Table as ArrowTable } from 'apache-arrow';
import { InvariantError } from '../engine/index.js';
import type { Request } from '../serving/request.js';
import { boolColumn, FixedDictionary, float64Column, int32Column, makeTable, plainStringColumn } from './arrow.js';
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
 * run but for the summary's tally (five latencies a measured completed request).
 * Columns: docs/metrics.md.
 */
export class RequestLog {
  private chunk = new Chunk(FIRST_CAPACITY);
  private readonly kept: RecordBatch[] = [];
  /** What the summary needs, gathered as requests end. */
  readonly tally: RunTally;
  private total = 0;
  private readonly statuses = new FixedDictionary(['completed', 'rejected', 'unfinished']);
  /** Instance names: a request's node is its instance's index. */
  private readonly nodes: FixedDictionary;

  constructor(instanceNames: readonly string[], slo: { ttft_s: number; tpot_s: number } | undefined, private readonly sink?: BatchSink) {
    this.nodes = new FixedDictionary(instanceNames);
    this.tally = new RunTally(slo);
  }

  get rows(): number {
    return this.total;
  }

  add(r: Request): void {
    const status = r.status;
    if (!status) throw new InvariantError(`request ${r.id} recorded before it ended`);
    checkOrder(r);
    let c = this.chunk;
    if (c.rows === c.capacity) c = this.chunk = c.grown();
    const i = c.rows++;
    c.id[i] = r.id;
    c.arrival[i] = r.arrival_s;
    c.prompt[i] = r.promptTokens;
    c.output[i] = r.outputTokens;
    c.status[i] = STATUS_CODE[status];
    if (r.reason !== null) c.reasons.push(i, r.reason);
    c.warmup[i] = r.warmup ? 1 : 0;
    c.prefillNode[i] = r.prefillInstance ? r.prefillInstance.index : -1;
    c.decodeNode[i] = r.decodeInstance ? r.decodeInstance.index : -1;
    c.preemptions[i] = r.preemptions;
    c.retries[i] = r.retries;
    c.linkStalls[i] = r.linkStalls;
    const ttft = r.firstToken_s - r.arrival_s;
    const tpot = r.outputTokens > 1 ? (r.completion_s - r.firstToken_s) / (r.outputTokens - 1) : NaN;
    const e2e = r.completion_s - r.arrival_s;
    const prefillQueue = r.prefillStart_s - r.arrival_s;
    const decodeQueue = r.decodeStart_s - r.decodeEnqueue_s;
    c.prefillQueue[i] = prefillQueue;
    c.prefillStart[i] = r.prefillStart_s;
    c.firstToken[i] = r.firstToken_s;
    c.transferQueue[i] = r.transferStart_s - r.transferEnqueue_s;
    c.transfer[i] = r.transferEnd_s - r.transferStart_s;
    c.decodeQueue[i] = decodeQueue;
    c.decodeStart[i] = r.decodeStart_s;
    c.completion[i] = r.completion_s;
    c.ttft[i] = ttft;
    c.tpot[i] = tpot;
    c.e2e[i] = e2e;
    this.tally.add(r, ttft, tpot, e2e, prefillQueue, decodeQueue);
    this.total++;
    if (c.rows >= BATCH_ROWS) this.flush();
  }

  /** Flush the last rows; the whole table when there is no sink, else undefined. */
  finish(): Table | undefined {
    // An empty run still writes one (empty) batch, so the file has its schema.
    if (this.chunk.rows > 0 || this.batches === 0) this.flush();
    return this.sink ? undefined : new ArrowTable(this.kept);
  }

  private batches = 0;

  private flush(): void {
    this.batches++;
    const c = this.chunk;
    // A run that filled a batch will fill more: the next chunk starts at full size.
    this.chunk = new Chunk(c.capacity);
    const n = c.rows;
    const columns: Record<string, ReturnType<typeof float64Column>> = {
      request_id: int32Column(c.id.subarray(0, n)),
      arrival_s: float64Column(c.arrival.subarray(0, n)),
      prompt_tokens: int32Column(c.prompt.subarray(0, n)),
      output_tokens: int32Column(c.output.subarray(0, n)),
      status: this.statuses.column(c.status.subarray(0, n)),
      reason: plainStringColumn(c.reasonColumn()),
      warmup: boolColumn(c.warmup.subarray(0, n)),
      prefill_node: this.nodes.column(c.prefillNode.subarray(0, n)),
      decode_node: this.nodes.column(c.decodeNode.subarray(0, n)),
    };
    c.timeColumns().forEach((values, k) => {
      columns[TIME_COLUMNS[k] as string] = float64Column(values.subarray(0, n));
    });
    columns.preemptions = int32Column(c.preemptions.subarray(0, n));
    columns.retries = int32Column(c.retries.subarray(0, n));
    columns.link_stalls = int32Column(c.linkStalls.subarray(0, n));
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
    const stamps = [r.arrival_s, r.prefillStart_s, r.firstToken_s, r.transferStart_s, r.transferEnd_s, r.decodeStart_s, r.completion_s];
    throw new InvariantError(`request ${r.id}: timestamps out of order (${stamps.join(', ')})`);
  }
  return t;
}

/** Rows of a record batch in the making, in typed arrays: no boxed values, little for the collector. */
class Chunk {
  rows = 0;
  readonly id: Int32Array;
  readonly arrival: Float64Array;
  readonly prompt: Int32Array;
  readonly output: Int32Array;
  readonly status: Int32Array;
  readonly warmup: Uint8Array;
  readonly prefillNode: Int32Array;
  readonly decodeNode: Int32Array;
  readonly preemptions: Int32Array;
  readonly retries: Int32Array;
  readonly linkStalls: Int32Array;
  readonly prefillQueue: Float64Array;
  readonly prefillStart: Float64Array;
  readonly firstToken: Float64Array;
  readonly transferQueue: Float64Array;
  readonly transfer: Float64Array;
  readonly decodeQueue: Float64Array;
  readonly decodeStart: Float64Array;
  readonly completion: Float64Array;
  readonly ttft: Float64Array;
  readonly tpot: Float64Array;
  readonly e2e: Float64Array;
  /** Rejection reasons, sparse: row, reason, row, reason… (most rows have none). */
  reasons: Array<number | string> = [];

  constructor(readonly capacity: number) {
    this.id = new Int32Array(capacity);
    this.arrival = new Float64Array(capacity);
    this.prompt = new Int32Array(capacity);
    this.output = new Int32Array(capacity);
    this.status = new Int32Array(capacity);
    this.warmup = new Uint8Array(capacity);
    this.prefillNode = new Int32Array(capacity);
    this.decodeNode = new Int32Array(capacity);
    this.preemptions = new Int32Array(capacity);
    this.retries = new Int32Array(capacity);
    this.linkStalls = new Int32Array(capacity);
    this.prefillQueue = new Float64Array(capacity);
    this.prefillStart = new Float64Array(capacity);
    this.firstToken = new Float64Array(capacity);
    this.transferQueue = new Float64Array(capacity);
    this.transfer = new Float64Array(capacity);
    this.decodeQueue = new Float64Array(capacity);
    this.decodeStart = new Float64Array(capacity);
    this.completion = new Float64Array(capacity);
    this.ttft = new Float64Array(capacity);
    this.tpot = new Float64Array(capacity);
    this.e2e = new Float64Array(capacity);
  }

  /** The time columns, in TIME_COLUMNS order (whole arrays: the caller cuts them to `rows`). */
  timeColumns(): Float64Array[] {
    return [
      this.prefillQueue, this.prefillStart, this.firstToken, this.transferQueue, this.transfer, this.decodeQueue,
      this.decodeStart, this.completion, this.ttft, this.tpot, this.e2e,
    ];
  }

  /** The same rows with twice the room (short runs keep small chunks). */
  grown(): Chunk {
    const next = new Chunk(Math.min(BATCH_ROWS, this.capacity * 2));
    next.rows = this.rows;
    next.id.set(this.id);
    next.arrival.set(this.arrival);
    next.prompt.set(this.prompt);
    next.output.set(this.output);
    next.status.set(this.status);
    next.warmup.set(this.warmup);
    next.prefillNode.set(this.prefillNode);
    next.decodeNode.set(this.decodeNode);
    next.preemptions.set(this.preemptions);
    next.retries.set(this.retries);
    next.linkStalls.set(this.linkStalls);
    const to = next.timeColumns();
    this.timeColumns().forEach((column, k) => (to[k] as Float64Array).set(column));
    next.reasons = this.reasons;
    return next;
  }

  reasonColumn(): Array<string | null> {
    const out = new Array<string | null>(this.rows).fill(null);
    for (let j = 0; j < this.reasons.length; j += 2) out[this.reasons[j] as number] = this.reasons[j + 1] as string;
    return out;
  }
}

/** The first chunk's rows; chunks double up to BATCH_ROWS. */
const FIRST_CAPACITY = 1024;

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
