import type { Table } from 'apache-arrow';
import type { BatchSink } from './request-log.js';
import { BATCH_ROWS } from './request-log.js';
import { windowCount, type WindowTables } from './window-tables.js';

/** Where window rows go as windows end. */
export interface WindowSinks {
  nodes: BatchSink;
  pools: BatchSink;
  links: BatchSink;
}

/**
 * A run's window tables as simulated time passes. Windows that ended are final once
 * every tally is brought up to their end; once a record batch's worth of rows is over
 * they are closed and, with sinks, written and forgotten, so memory does not grow with
 * the run. Without sinks they are closed all the same (and kept), so that both kinds of
 * run add the same areas in the same pieces and give the same tables.
 */
export class WindowStream {
  /** Windows whose areas are final. */
  private closed = 0;
  /** Windows written to the sinks. */
  private written = 0;

  constructor(
    private readonly tables: WindowTables,
    private readonly sinks: WindowSinks | undefined,
  ) {}

  /** Simulated time reached `now_s` (between events). */
  advance(now_s: number): void {
    const w = this.tables.window_s;
    let over = Math.floor(now_s / w);
    // A boundary rounded past now is not over yet.
    while (over > this.closed && over * w > now_s) over--;
    if ((over - this.closed) * this.tables.rowsPerWindow < BATCH_ROWS) return;
    this.tables.close(over * w);
    this.closed = over;
    if (!this.sinks) return;
    this.write(over, Infinity);
    this.tables.release(over);
  }

  /**
   * The run ended at `end_s`, every tally closed there: write the remaining windows (the
   * last may be partial). Returns the tables when they were kept in memory.
   */
  finish(end_s: number): { nodes: Table; pools: Table; links: Table } | undefined {
    const all = windowCount(this.tables.window_s, end_s);
    if (this.sinks) {
      this.write(all, end_s);
      return undefined;
    }
    return {
      nodes: this.tables.nodeTable(0, all, end_s),
      pools: this.tables.poolTable(0, all, end_s),
      links: this.tables.linkTable(0, all, end_s),
    };
  }

  /** Write windows [written, upTo) of a run ending at `end_s` (Infinity: windows already over). */
  private write(upTo: number, end_s: number): void {
    if (!this.sinks || upTo <= this.written) return;
    for (const batch of this.tables.nodeTable(this.written, upTo, end_s).batches) this.sinks.nodes.write(batch);
    for (const batch of this.tables.poolTable(this.written, upTo, end_s).batches) this.sinks.pools.write(batch);
    for (const batch of this.tables.linkTable(this.written, upTo, end_s).batches) this.sinks.links.write(batch);
    this.written = upTo;
  }
}
