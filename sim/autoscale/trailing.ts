/**
 * The mean of a time-integrated quantity over a trailing window, from samples of its
 * running integral taken at each decision: (area now − area `intervals` decisions ago)
 * ÷ the time between them. Early in a run, before a whole window has passed, it covers
 * the time since 0. Exact whatever happens between samples (the integral comes from
 * the TimeWeighted tallies, not from sampling the value).
 */
export class TrailingMean {
  private readonly times: number[] = [0];
  private readonly areas: number[] = [0];

  /** `intervals`: decisions per window (window_s ÷ interval_s, rounded up). */
  constructor(private readonly intervals: number) {}

  /** Record the running integral at `t_s` and return the mean over the trailing window. */
  push(t_s: number, area: number): number {
    this.times.push(t_s);
    this.areas.push(area);
    if (this.times.length > this.intervals + 1) {
      this.times.shift();
      this.areas.shift();
    }
    const t0 = this.times[0] as number;
    const a0 = this.areas[0] as number;
    return t_s > t0 ? (area - a0) / (t_s - t0) : 0;
  }
}
