/**
 * A quantity counted per window (prompt tokens looked up, tokens found cached): sums
 * of events by the window they fall in, not time averages. Windows before `release(k)`
 * are forgotten, as the time-weighted tallies' are, so memory does not grow with the run.
 */
export class WindowCounts {
  private sums: number[] = [];
  private base = 0;

  constructor(private readonly window_s: number) {}

  add(t_s: number, value: number): void {
    const i = Math.floor(t_s / this.window_s) - this.base;
    if (i < 0) return;
    while (this.sums.length <= i) this.sums.push(0);
    this.sums[i] = (this.sums[i] as number) + value;
  }

  /** The sum over window k (0 for a window with no events). */
  window(k: number): number {
    return this.sums[k - this.base] ?? 0;
  }

  release(k: number): void {
    if (k <= this.base) return;
    this.sums = this.sums.slice(Math.min(k - this.base, this.sums.length));
    this.base = k;
  }
}
