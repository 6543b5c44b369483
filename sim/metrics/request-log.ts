import type { RecordBatch, Table } from 'apache-arrow';
import { Table as ArrowTable } from 'apache-arrow';
import { InvariantError } from '../engine/index.js';
import type { Request } from '../serving/request.js';
import { boolColumn, FixedDictionary, float64Column, int32Column, makeTable, plainStringColumn } from './arrow.js';
import { GrowableFloat64 } from './growable.js';

/** Where finished record batches go: a file as they come, or memory. */
export interface BatchSink {
  write(batch: RecordBatch): void;
}

/** Rows per record batch: the memory a run holds for request rows, whatever its length. */
export const BATCH_ROWS = 1 << 16;

/** What the summary needs of every request, kept for the whole run as typed arrays. */
export interface SummaryColumns {
  /** 0 completed, 1 rejected, 2 unfinished. */
  status: Float64Array;
  warmup: Float64Array;
  output_tokens: Float64Array;
  ttft_s: Float64Array;
  tpot_s: Float64Array;
  e2e_s: Float64Array;
  prefill_queue_s: Float64Array;
  decode_queue_s: Float64Array;
  retries: Float64Array;
  /** 1 when a failure touched the request (displaced, or its hand-off stalled on a failed link). */
  affected: Float64Array;
}

const STATUS_CODE = { completed: 0, rejected: 1, unfinished: 2 } as const;

/**
 * One row per generated request, appended when the request ends (completed or
 * rejected) or when the run stops with it still in flight (unfinished). Rows are in
 * the order requests ended. Every BATCH_ROWS rows become an Arrow record batch handed
 * to the sink (streamed to requests.arrow by the CLI), so memory does not grow with the
 * run but for the summary's columns (10 typed values a request). Columns: docs/metrics.md.
 */
export class RequestLog {
  private chunk = newChunk();
  private readonly kept: RecordBatch[] = [];
  private readonly summary = {
    status: new GrowableFloat64(), warmup: new GrowableFloat64(), output_tokens: new GrowableFloat64(),
    ttft_s: new GrowableFloat64(), tpot_s: new GrowableFloat64(), e2e_s: new GrowableFloat64(),
    prefill_queue_s: new GrowableFloat64(), decode_queue_s: new GrowableFloat64(), retries: new GrowableFloat64(),
    affected: new GrowableFloat64(),
  };
  private total = 0;
  private readonly statuses = new FixedDictionary(['completed', 'rejected', 'unfinished']);
  /** Instance names: a request's node is its instance's index. */
  private readonly nodes: FixedDictionary;

  constructor(instanceNames: readonly string[], private readonly sink?: BatchSink) {
    this.nodes = new FixedDictionary(instanceNames);
  }

  get rows(): number {
    return this.total;
  }

  add(r: Request): void {
    const status = r.status;
    if (!status) throw new InvariantError(`request ${r.id} recorded before it ended`);
    checkOrder(r);
    const c = this.chunk;
    c.id.push(r.id);
    c.arrival.push(r.arrival_s);
    c.prompt.push(r.promptTokens);
    c.output.push(r.outputTokens);
    c.status.push(STATUS_CODE[status]);
    c.reason.push(r.reason);
    c.warmup.push(r.warmup);
    c.prefillNode.push(r.prefillInstance ? r.prefillInstance.index : -1);
    c.decodeNode.push(r.decodeInstance ? r.decodeInstance.index : -1);
    c.preemptions.push(r.preemptions);
    c.retries.push(r.retries);
    c.linkStalls.push(r.linkStalls);
    const ttft = r.firstToken_s - r.arrival_s;
    const tpot = r.outputTokens > 1 ? (r.completion_s - r.firstToken_s) / (r.outputTokens - 1) : NaN;
    const e2e = r.completion_s - r.arrival_s;
    const prefillQueue = r.prefillStart_s - r.arrival_s;
    const decodeQueue = r.decodeStart_s - r.decodeEnqueue_s;
    const t = c.times;
    t[0]?.push(prefillQueue);
    t[1]?.push(r.prefillStart_s);
    t[2]?.push(r.firstToken_s);
    t[3]?.push(r.transferStart_s - r.transferEnqueue_s);
    t[4]?.push(r.transferEnd_s - r.transferStart_s);
    t[5]?.push(decodeQueue);
    t[6]?.push(r.decodeStart_s);
    t[7]?.push(r.completion_s);
    t[8]?.push(ttft);
    t[9]?.push(tpot);
    t[10]?.push(e2e);
    const s = this.summary;
    s.status.push(STATUS_CODE[status]);
    s.warmup.push(r.warmup ? 1 : 0);
    s.output_tokens.push(r.outputTokens);
    s.ttft_s.push(ttft);
    s.tpot_s.push(tpot);
    s.e2e_s.push(e2e);
    s.prefill_queue_s.push(prefillQueue);
    s.decode_queue_s.push(decodeQueue);
    s.retries.push(r.retries);
    s.affected.push(r.retries > 0 || r.linkStalls > 0 ? 1 : 0);
    this.total++;
    if (c.id.length >= BATCH_ROWS) this.flush();
  }

  /** The summary's columns over every request so far. */
  summaryColumns(): SummaryColumns {
    const s = this.summary;
    return {
      status: s.status.view(), warmup: s.warmup.view(), output_tokens: s.output_tokens.view(), ttft_s: s.ttft_s.view(),
      tpot_s: s.tpot_s.view(), e2e_s: s.e2e_s.view(), prefill_queue_s: s.prefill_queue_s.view(), decode_queue_s: s.decode_queue_s.view(),
      retries: s.retries.view(), affected: s.affected.view(),
    };
  }

  /** Flush the last rows; the whole table when there is no sink, else undefined. */
  finish(): Table | undefined {
    // An empty run still writes one (empty) batch, so the file has its schema.
    if (this.chunk.id.length > 0 || this.batches === 0) this.flush();
    return this.sink ? undefined : new ArrowTable(this.kept);
  }

  private batches = 0;

  private flush(): void {
    this.batches++;
    const c = this.chunk;
    this.chunk = newChunk();
    const columns: Record<string, ReturnType<typeof float64Column>> = {
      request_id: int32Column(c.id),
      arrival_s: float64Column(c.arrival),
      prompt_tokens: int32Column(c.prompt),
      output_tokens: int32Column(c.output),
      status: this.statuses.column(c.status),
      reason: plainStringColumn(c.reason),
      warmup: boolColumn(c.warmup),
      prefill_node: this.nodes.column(c.prefillNode),
      decode_node: this.nodes.column(c.decodeNode),
    };
    TIME_COLUMNS.forEach((name, k) => {
      columns[name] = float64Column(c.times[k] as number[]);
    });
    columns.preemptions = int32Column(c.preemptions);
    columns.retries = int32Column(c.retries);
    columns.link_stalls = int32Column(c.linkStalls);
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

function newChunk() {
  return {
    id: [] as number[], arrival: [] as number[], prompt: [] as number[], output: [] as number[], status: [] as number[],
    reason: [] as (string | null)[], warmup: [] as boolean[], prefillNode: [] as number[], decodeNode: [] as number[],
    preemptions: [] as number[], retries: [] as number[], linkStalls: [] as number[], times: TIME_COLUMNS.map(() => [] as number[]),
  };
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
