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
  private chunk = newChunk();
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
    this.tally.add(r, ttft, tpot, e2e, prefillQueue, decodeQueue);
    this.total++;
    if (c.id.length >= BATCH_ROWS) this.flush();
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
