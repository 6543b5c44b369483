import type { Table } from 'apache-arrow';
import type { Request } from '../serving/request.js';
import { boolColumn, float64Column, int32Column, makeTable, stringColumn } from './arrow.js';

/**
 * One row per generated request, appended when the request ends (completed or
 * rejected) or when the run stops with it still in flight (unfinished). Rows are in
 * the order requests ended. Columns: docs/metrics.md.
 */
export class RequestLog {
  private readonly id: number[] = [];
  private readonly arrival: number[] = [];
  private readonly prompt: number[] = [];
  private readonly output: number[] = [];
  private readonly status: string[] = [];
  private readonly reason: (string | null)[] = [];
  private readonly warmup: boolean[] = [];
  private readonly prefillNode: (string | null)[] = [];
  private readonly decodeNode: (string | null)[] = [];
  private readonly preemptions: number[] = [];
  private readonly times: number[][] = Array.from({ length: TIME_COLUMNS.length }, () => []);
  counts = { completed: 0, rejected: 0, unfinished: 0 };

  get rows(): number {
    return this.id.length;
  }

  add(r: Request): void {
    const status = r.status;
    if (!status) throw new Error(`request ${r.id} recorded before it ended`);
    this.counts[status]++;
    this.id.push(r.id);
    this.arrival.push(r.arrival_s);
    this.prompt.push(r.promptTokens);
    this.output.push(r.outputTokens);
    this.status.push(status);
    this.reason.push(r.reason);
    this.warmup.push(r.warmup);
    this.prefillNode.push(r.prefillInstance?.name ?? null);
    this.decodeNode.push(r.decodeInstance?.name ?? null);
    this.preemptions.push(r.preemptions);
    const ttft = r.firstToken_s - r.arrival_s;
    const values = [
      r.prefillStart_s - r.arrival_s,
      r.prefillStart_s,
      r.firstToken_s,
      r.transferStart_s - r.transferEnqueue_s,
      r.transferEnd_s - r.transferStart_s,
      r.decodeStart_s - r.decodeEnqueue_s,
      r.decodeStart_s,
      r.completion_s,
      ttft,
      r.outputTokens > 1 ? (r.completion_s - r.firstToken_s) / (r.outputTokens - 1) : NaN,
      r.completion_s - r.arrival_s,
    ];
    for (let c = 0; c < values.length; c++) (this.times[c] as number[]).push(values[c] as number);
  }

  toTable(): Table {
    const columns: Record<string, ReturnType<typeof float64Column>> = {
      request_id: int32Column(this.id),
      arrival_s: float64Column(this.arrival),
      prompt_tokens: int32Column(this.prompt),
      output_tokens: int32Column(this.output),
      status: stringColumn(this.status),
      reason: stringColumn(this.reason),
      warmup: boolColumn(this.warmup),
      prefill_node: stringColumn(this.prefillNode),
      decode_node: stringColumn(this.decodeNode),
    };
    TIME_COLUMNS.forEach((name, c) => {
      columns[name] = float64Column(this.times[c] as number[]);
    });
    columns.preemptions = int32Column(this.preemptions);
    return makeTable(columns);
  }
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
