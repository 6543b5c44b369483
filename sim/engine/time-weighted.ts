/**
 * A piecewise-constant quantity integrated over time: per fixed-width window (for the
 * `nodes.arrow` rows) and over one measurement interval (for summaries). Setting the
 * value closes the area accumulated since the previous change.
 */
export class TimeWeighted {
  private value = 0;
  private last_s = 0;
  private readonly windows: number[] = [];
  private measuredArea = 0;

  constructor(
    private readonly window_s: number,
    private readonly measureFrom_s = 0,
    private readonly measureTo_s = Infinity,
  ) {}

  get current(): number {
    return this.value;
  }

  set(t_s: number, value: number): void {
    if (value !== this.value) {
      this.accumulate(t_s);
      this.value = value;
    }
  }

  add(t_s: number, delta: number): void {
    this.set(t_s, this.value + delta);
  }

  /** Close the area up to `t_s` (the end of the run). */
  close(t_s: number): void {
    this.accumulate(t_s);
  }

  /** Area in window `k`, [k·w, (k+1)·w), up to the last close. */
  windowArea(k: number): number {
    return this.windows[k] ?? 0;
  }

  /** Area inside [measureFrom_s, measureTo_s] up to the last close. */
  get measured(): number {
    return this.measuredArea;
  }

  private accumulate(t_s: number): void {
    const from = this.last_s;
    if (t_s <= from) return;
    this.last_s = t_s;
    const v = this.value;
    if (v === 0) return;
    const lo = Math.max(from, this.measureFrom_s);
    const hi = Math.min(t_s, this.measureTo_s);
    if (hi > lo) this.measuredArea += v * (hi - lo);
    const w = this.window_s;
    let k = Math.floor(from / w);
    let start = from;
    while (start < t_s) {
      const end = Math.min(t_s, (k + 1) * w);
      while (this.windows.length <= k) this.windows.push(0);
      this.windows[k] = (this.windows[k] as number) + v * (end - start);
      start = end;
      k++;
    }
  }
}
