import { InvariantError } from '../engine/index.js';
import type { Work } from '../physics/work.js';

/**
 * An amount (FLOPs, bytes) spread uniformly over time intervals, summed per fixed-width
 * window and over one measurement interval. A pass's work is spread over the pass's
 * own interval, so a pass that straddles a window boundary is shared between the two
 * windows in proportion to time. Charges may lie in the future (a pass is charged when
 * it starts) and may be negative (the unexecuted rest of a pass cut short is taken
 * back); no charge may reach a window already released.
 */
export class IntervalSum {
  private windows: number[] = [];
  private base = 0;
  private measuredSum = 0;

  constructor(
    private readonly window_s: number,
    private readonly measureFrom_s = 0,
    private readonly measureTo_s = Infinity,
  ) {}

  /** Add `amount` spread uniformly over [from_s, to_s] (all of it at from_s when to_s ≤ from_s). */
  spread(from_s: number, to_s: number, amount: number): void {
    if (amount === 0) return;
    const w = this.window_s;
    if (!(to_s > from_s)) {
      const k = Math.floor(from_s / w);
      this.addWindow(k, amount);
      if (from_s >= this.measureFrom_s && from_s <= this.measureTo_s) this.measuredSum += amount;
      return;
    }
    const rate = amount / (to_s - from_s);
    const lo = Math.max(from_s, this.measureFrom_s);
    const hi = Math.min(to_s, this.measureTo_s);
    if (hi > lo) this.measuredSum += rate * (hi - lo);
    let k = Math.floor(from_s / w);
    let start = from_s;
    while (start < to_s) {
      const end = Math.min(to_s, (k + 1) * w);
      this.addWindow(k, rate * (end - start));
      start = end;
      k++;
    }
  }

  /** The amount in window k, [k·w, (k+1)·w). */
  windowArea(k: number): number {
    if (k < this.base) throw new InvariantError(`window ${k} was released (kept from ${this.base})`);
    return this.windows[k - this.base] ?? 0;
  }

  /** Forget the windows before `k` (written out). */
  release(k: number): void {
    if (k <= this.base) return;
    this.windows = this.windows.slice(k - this.base);
    this.base = k;
  }

  /** The amount inside [measureFrom_s, measureTo_s]. */
  get measured(): number {
    return this.measuredSum;
  }

  private addWindow(k: number, amount: number): void {
    if (k < this.base) throw new InvariantError(`work charged to window ${k}, released (kept from ${this.base})`);
    const windows = this.windows;
    while (windows.length <= k - this.base) windows.push(0);
    windows[k - this.base] = (windows[k - this.base] as number) + amount;
  }
}

/** The work done on one instance (or one phase of it) and the peaks it is measured against. */
export class WorkMeter {
  readonly flops: IntervalSum;
  readonly bytes: IntervalSum;

  constructor(
    w: { window_s: number; measureFrom_s: number; measureTo_s: number },
    /** Peak FLOP/s at the deployment's weight precision, all devices. */
    readonly peakFlops_per_s: number,
    /** Peak memory bandwidth, bytes/s, all devices. */
    readonly peakBytes_per_s: number,
  ) {
    this.flops = new IntervalSum(w.window_s, w.measureFrom_s, w.measureTo_s);
    this.bytes = new IntervalSum(w.window_s, w.measureFrom_s, w.measureTo_s);
  }

  spread(from_s: number, to_s: number, work: Work, scale = 1): void {
    this.flops.spread(from_s, to_s, work.flops * scale);
    this.bytes.spread(from_s, to_s, work.bytes * scale);
  }

  release(k: number): void {
    this.flops.release(k);
    this.bytes.release(k);
  }
}

/**
 * The pass (or fast-forwarded run of steps) in progress on one server, charged to its
 * meters (the phase's and the instance's) at a uniform rate over its interval. When the
 * pass is cut short or abandoned, the part not yet run is taken back, so that the
 * work of what did run is exact in total; within a run the split between windows is
 * proportional to time (an approximation: later steps of a run read more context).
 */
export class PassCharge {
  /** The part of the pass still spread ahead: [from_s, to_s], and its work. */
  private from_s = 0;
  private to_s = 0;
  private ahead: Work = { flops: 0, bytes: 0 };
  /** Work charged before `from_s`. */
  private behind: Work = { flops: 0, bytes: 0 };
  private active = false;

  constructor(private readonly meters: readonly WorkMeter[]) {}

  /** A pass of `work` runs over [now, end_s]. */
  begin(now: number, end_s: number, work: Work): void {
    this.from_s = now;
    this.to_s = end_s;
    this.ahead = work;
    this.behind = { flops: 0, bytes: 0 };
    this.active = true;
    for (const m of this.meters) m.spread(now, end_s, work);
  }

  /** The pass in progress now ends at `end_s` (≥ now) having done `work` in all. */
  revise(now: number, end_s: number, work: Work): void {
    if (!this.active) return;
    const f = this.takeBackAfter(now);
    this.behind = { flops: this.behind.flops + this.ahead.flops * f, bytes: this.behind.bytes + this.ahead.bytes * f };
    this.ahead = { flops: work.flops - this.behind.flops, bytes: work.bytes - this.behind.bytes };
    this.from_s = now;
    this.to_s = end_s;
    for (const m of this.meters) m.spread(now, end_s, this.ahead);
  }

  /** The pass is abandoned at `now` (its instance failed): what was not run is not charged. */
  stop(now: number): void {
    if (!this.active) return;
    this.takeBackAfter(now);
    this.active = false;
  }

  /** The pass ended as planned. */
  end(): void {
    this.active = false;
  }

  /** Take back the charge after `now`; returns the fraction of the part ahead that was before it. */
  private takeBackAfter(now: number): number {
    const span = this.to_s - this.from_s;
    const f = span > 0 ? Math.min(1, Math.max(0, (now - this.from_s) / span)) : 1;
    if (f < 1) for (const m of this.meters) m.spread(now, this.to_s, this.ahead, -(1 - f));
    return f;
  }
}
