import { TimeWeighted } from '../engine/index.js';
import type { InstanceSpec } from '../scenario/resolved.js';
import type { WorkMeter } from '../metrics/work-meter.js';
import { WindowCounts } from '../metrics/window-counts.js';

/** Recording windows and the interval summaries measure over. */
export interface Windows {
  window_s: number;
  measureFrom_s: number;
  measureTo_s: number;
}

/**
 * A serving instance in a rack: its identity and the time-weighted state the node
 * table reports. The serving logic (phase servers) drives it; it knows no policy.
 */
export class Instance {
  /** 1 while at least one request is in service on any phase, else 0. */
  readonly busy: TimeWeighted;
  /** Requests waiting in this instance's own queues (not in a pool's shared queue). */
  readonly queued: TimeWeighted;
  /** Requests in service, over all phases (the batch size). */
  readonly inService: TimeWeighted;
  /** Fraction of KV capacity in use; null for queueing-mode instances (no KV model). */
  readonly kvUsed: TimeWeighted | null;
  /** 1 while the instance is up, 0 while failed: its area is the instance's up-time. */
  readonly up: TimeWeighted;
  /**
   * 1 while switched on (provisioning, serving or draining), 0 while an autoscaler has it
   * off: its area is the on-time power and price are charged for. Null for an instance
   * no autoscaler can switch (always on).
   */
  readonly on: TimeWeighted | null;
  /** Takes new work: false while off, provisioning or draining (sim/autoscale). */
  accepting = true;
  /** Told when the instance may have emptied (nothing in service, no KV): set while it drains. */
  emptied: (() => void) | null = null;
  /**
   * Busy instances of its autoscaled group (the utilization policy's signal), told of each change of `busy`; null
   * otherwise.
   */
  groupBusy: TimeWeighted | null = null;
  /** Outages in progress (a rack outage may overlap an instance's own). */
  private outages = 0;
  /** Times it went down. */
  failures = 0;
  /** The meters of its phases' passes (MFU, MBU: their sum is the instance's work); none in queueing mode. */
  readonly work: WorkMeter[] = [];
  private readonly kvCapacityTokens: number;
  /** With a prefix cache: the fraction of KV capacity its free cached blocks hold, and per
   * window the prompt tokens that started prefill here and those found cached (hit rate). */
  prefixCache: { cached: TimeWeighted; promptTokens: WindowCounts; cachedTokens: WindowCounts } | null = null;

  constructor(
    readonly spec: InstanceSpec,
    w: Windows,
    kvCapacityTokens?: number,
    /** An autoscaler may switch it (it gets an on-time tally). */
    switched = false,
  ) {
    this.kvCapacityTokens = kvCapacityTokens ?? 0;
    this.kvUsed = kvCapacityTokens ? new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s) : null;
    this.busy = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
    this.queued = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
    this.inService = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
    this.up = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
    this.up.set(0, 1);
    this.on = switched ? new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s) : null;
    this.accepting = !spec.startsOff;
    this.on?.set(0, this.accepting ? 1 : 0);
  }

  get isUp(): boolean {
    return this.outages === 0;
  }

  /** An outage starts; true when this takes the instance down (it was up). */
  fail(t_s: number): boolean {
    this.outages++;
    if (this.outages > 1) return false;
    this.failures++;
    this.up.set(t_s, 0);
    return true;
  }

  /** An outage ends; true when the instance is back up (no other outage holds it). */
  repair(t_s: number): boolean {
    this.outages--;
    if (this.outages > 0) return false;
    this.up.set(t_s, 1);
    return true;
  }

  get index(): number {
    return this.spec.index;
  }

  get name(): string {
    return this.spec.name;
  }

  changeInService(t_s: number, delta: number): void {
    this.inService.add(t_s, delta);
    const busy = this.inService.current > 0 ? 1 : 0;
    if (this.groupBusy && busy !== this.busy.current) this.groupBusy.add(t_s, busy - this.busy.current);
    this.busy.set(t_s, busy);
    if (busy === 0) this.emptied?.();
  }

  /** Called by the instance's KV ledger only (sim/serving/kv-ledger.ts), which owns the sum. */
  setKvUsed(t_s: number, tokens: number): void {
    this.kvUsed?.set(t_s, tokens / this.kvCapacityTokens);
  }

  /** It keeps a prefix cache: the node table gains its share of KV and hit rate. */
  trackPrefixCache(w: Windows): void {
    this.prefixCache = {
      cached: new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s),
      promptTokens: new WindowCounts(w.window_s),
      cachedTokens: new WindowCounts(w.window_s),
    };
  }

  setKvCached(t_s: number, tokens: number): void {
    this.prefixCache?.cached.set(t_s, tokens / this.kvCapacityTokens);
  }

  /** A prompt of `promptTokens` started prefill here with `cachedTokens` of it cached. */
  prefixLookup(t_s: number, promptTokens: number, cachedTokens: number): void {
    this.prefixCache?.promptTokens.add(t_s, promptTokens);
    this.prefixCache?.cachedTokens.add(t_s, cachedTokens);
  }

  close(t_s: number): void {
    this.kvUsed?.close(t_s);
    this.prefixCache?.cached.close(t_s);
    this.busy.close(t_s);
    this.queued.close(t_s);
    this.inService.close(t_s);
    this.up.close(t_s);
    this.on?.close(t_s);
  }
}
