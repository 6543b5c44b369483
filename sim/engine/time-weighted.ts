import { InvariantError } from './invariant.js';

/**
 * A piecewise-constant quantity integrated over time: per fixed-width window (for the
 * `nodes.arrow` rows) and over one measurement interval (for summaries). Setting the
 * value closes the area accumulated since the previous change. Windows already
 * written can be released (`release`), so a run keeps only the windows not yet out.
 */
export class TimeWeighted {
  private value = 0;
  private last_s = 0;
  /** Areas of windows base, base + 1, …: earlier ones were released. */
  private windows: number[] = [];
  private base = 0;
  private measuredArea = 0;
  /** Area since time 0 up to the last change (an autoscaler's trailing windows difference it). */
  private totalArea = 0;
  /**
   * The window the last change fell in (−1: none), and its area so far, kept here
   * rather than in `windows` (which holds a stale value for it): the usual change
   * then touches this object only. A datacenter's thousands of tallies are mostly out
   * of the cache, and the array's elements were one more miss on every change.
   */
  private openK = -1;
  private openArea = 0;

  constructor(
    private readonly window_s: number,
    private readonly measureFrom_s = 0,
    private readonly measureTo_s = Infinity,
  ) {}

  get current(): number {
    return this.value;
  }

  set(t_s: number, value: number): void {
    if (value === this.value) return;
    const v = this.value;
    this.value = value;
    this.accumulate(v, t_s);
  }

  add(t_s: number, delta: number): void {
    this.set(t_s, this.value + delta);
  }

  /** Close the area up to `t_s` (the end of the run). */
  close(t_s: number): void {
    this.accumulate(this.value, t_s);
  }

  /** Area in window `k`, [k·w, (k+1)·w), up to the last close. */
  windowArea(k: number): number {
    if (k < this.base) throw new InvariantError(`window ${k} was released (kept from ${this.base})`);
    if (k === this.openK) return this.openArea;
    return this.windows[k - this.base] ?? 0;
  }

  /** Forget the windows before `k` (written out); their areas are final. */
  release(k: number): void {
    if (k <= this.base) return;
    if (k * this.window_s > this.last_s)
      throw new InvariantError(
        `windows before ${k} released while their area is still open (closed to ${this.last_s} s)`,
      );
    this.windows = this.windows.slice(k - this.base);
    this.base = k;
  }

  /** Area since time 0 up to `t_s` (not before the last change): the value is held since then. */
  areaUntil(t_s: number): number {
    return this.totalArea + (t_s > this.last_s ? this.value * (t_s - this.last_s) : 0);
  }

  /** Area inside [measureFrom_s, measureTo_s] up to the last close. */
  get measured(): number {
    return this.measuredArea;
  }

  /**
   * Close the area of value `v` from the last change to `t_s`. Runs on every change of
   * every tally (dozens per request): the usual case — inside the measured interval,
   * within one window — takes no min/max and no loop, with the same arithmetic.
   */
  private accumulate(v: number, t_s: number): void {
    const from = this.last_s;
    if (t_s <= from) return;
    this.last_s = t_s;
    if (v === 0) return;
    this.totalArea += v * (t_s - from);
    if (from >= this.measureFrom_s && t_s <= this.measureTo_s) this.measuredArea += v * (t_s - from);
    else {
      const lo = Math.max(from, this.measureFrom_s);
      const hi = Math.min(t_s, this.measureTo_s);
      if (hi > lo) this.measuredArea += v * (hi - lo);
    }
    const w = this.window_s;
    let k = Math.floor(from / w);
    if (k === this.openK && t_s <= (k + 1) * w) {
      this.openArea += v * (t_s - from);
      return;
    }
    this.store();
    const windows = this.windows;
    const base = this.base;
    if (k < base) throw new InvariantError(`area added to window ${k}, released (kept from ${base})`);
    let start = from;
    while (start < t_s) {
      const end = Math.min(t_s, (k + 1) * w);
      while (windows.length <= k - base) windows.push(0);
      windows[k - base] = (windows[k - base] as number) + v * (end - start);
      start = end;
      k++;
    }
    this.openK = k - 1;
    this.openArea = windows[k - 1 - base] as number;
  }

  /** Write the open window's area into `windows` (it stays open). */
  private store(): void {
    const k = this.openK;
    if (k < this.base) return;
    const windows = this.windows;
    while (windows.length <= k - this.base) windows.push(0);
    windows[k - this.base] = this.openArea;
  }
}
