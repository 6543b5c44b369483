import type { Request } from '../serving/request.js';
import { type BlockStore, LatencyColumns, MemoryBlocks } from './latency-columns.js';

/** The latencies a run's summary takes quantiles and means of, in their column order. */
export const LATENCIES = ['ttft_s', 'tpot_s', 'e2e_s', 'prefill_queue_s', 'decode_queue_s'] as const;
export type Latency = (typeof LATENCIES)[number];

/**
 * What a run's summary needs, gathered as requests end: counts and sums as they go,
 * and the five latencies of each measured completed request, 40 bytes a request, in
 * blocks: in memory, or (runs written to a folder) in a scratch file there, so that
 * the run holds one block whatever its length (an hour at 2,000 requests/s would
 * otherwise keep ~290 MB).
 */
export class RunTally {
  requests = 0;
  completed = 0;
  rejected = 0;
  unfinished = 0;
  /** Arrived after warm-up (any status). */
  measured = 0;
  measuredCompleted = 0;
  /** Σ output tokens of measured completed requests. */
  outputTokens = 0;
  /** Measured requests that completed within the SLO's bounds (each one given). */
  sloMet = 0;
  /** Σ output tokens of those requests (goodput tokens). */
  sloMetOutputTokens = 0;
  retried = 0;
  retries = 0;
  affected = 0;
  private readonly latencies: LatencyColumns;

  constructor(
    private readonly slo?: { ttft_s?: number | undefined; tpot_s?: number | undefined } | undefined,
    store: BlockStore = new MemoryBlocks(),
  ) {
    this.latencies = new LatencyColumns(LATENCIES.length, store);
  }

  /** An ended request and its latencies (as its row has them; NaN = did not happen). */
  add(r: Request, ttft_s: number, tpot_s: number, e2e_s: number, prefillQueue_s: number, decodeQueue_s: number): void {
    this.requests++;
    if (r.status === 'completed') this.completed++;
    else if (r.status === 'rejected') this.rejected++;
    else this.unfinished++;
    if (r.retries > 0) this.retried++;
    this.retries += r.retries;
    if (r.retries > 0 || r.linkStalls > 0) this.affected++;
    if (r.warmup) return;
    this.measured++;
    if (r.status !== 'completed') return;
    this.measuredCompleted++;
    this.outputTokens += r.outputTokens;
    // A bound the SLO leaves out is not checked; a one-token output has no TPOT and
    // meets that half of the SLO.
    const slo = this.slo;
    if (
      slo &&
      (slo.ttft_s === undefined || ttft_s <= slo.ttft_s) &&
      (slo.tpot_s === undefined || Number.isNaN(tpot_s) || tpot_s <= slo.tpot_s)
    ) {
      this.sloMet++;
      this.sloMetOutputTokens += r.outputTokens;
    }
    const l = this.latencies;
    l.set(0, ttft_s);
    l.set(1, tpot_s);
    l.set(2, e2e_s);
    l.set(3, prefillQueue_s);
    l.set(4, decodeQueue_s);
    l.endRow();
  }

  /** R type 7 quantiles of each latency's values (NaN left out), exact. */
  quantiles(ps: Readonly<Partial<Record<Latency, readonly number[]>>>): Record<Latency, number[]> {
    const found = this.latencies.quantiles(LATENCIES.map((name) => ps[name] ?? []));
    return Object.fromEntries(LATENCIES.map((name, c) => [name, found[c]])) as Record<Latency, number[]>;
  }

  /** Mean of a latency's values (NaN left out); NaN when there are none. */
  mean(name: Latency): number {
    return this.latencies.mean(LATENCIES.indexOf(name));
  }
}
