// Is a pool's backlog growing? A trend test on the per-window queue lengths the pools
// table holds (queue_len_mean), over the measured period. Formulas, thresholds and the
// false-positive rate: docs/metrics.md, Overload.

/**
 * Batches the measured windows are averaged into before the trend is fitted. Queue
 * lengths of adjacent windows are strongly correlated at high load (an M/M/1 queue at
 * ρ = 0.95 forgets its state over ~1,500 mean service times), which makes an OLS test
 * on the raw windows far too confident; means of ten long batches are close to
 * independent once each batch is longer than that relaxation time (the method of batch
 * means, e.g. Law & Kelton, Simulation Modeling and Analysis, §9.5.3).
 */
export const TREND_BATCHES = 10;
/** One-sided significance level of the slope's t-test. */
export const TREND_ALPHA = 0.01;
/**
 * "Large in absolute terms": the backlog the fitted line adds over the measured period
 * must exceed what the run serves in this many seconds (assumption: 10 s of extra
 * queueing is beyond any interactive SLO; a stationary queue's random wander over a
 * long run is a few of its own standard deviations, seconds of service at most).
 */
export const TREND_SERVICE_S = 10;

/** One-sided 1% critical values of Student's t, by degrees of freedom 1…8. */
const T_CRIT_1PCT = [NaN, 31.821, 6.965, 4.541, 3.747, 3.365, 3.143, 2.998, 2.896];

/** The trend of one pool's backlog over the measured period. */
export interface BacklogTrend {
  pool: string;
  /** Fitted growth, requests per second (OLS slope of the batch means). */
  slope_per_s: number;
  /** The slope's t statistic (+Infinity for an exact line that rises). */
  t: number;
  /** slope × measured period: the backlog the line adds, requests. */
  growth: number;
  /** The growth the test asks for: max(1, served per second × TREND_SERVICE_S). */
  threshold: number;
  /** Mean queue length of the first and the last measured window. */
  first: number;
  last: number;
  /** Significant (t above the one-sided 1% value) and larger than the threshold. */
  growing: boolean;
}

/**
 * Fit the backlog trend of one pool from its windows' mean queue lengths. `windows`:
 * the measured windows in time order (each fully inside [warmup_s, duration_s]), with
 * their start times; `servedPerSecond`: the run's measured throughput. Fewer than three
 * windows leave the trend untested (not growing).
 */
export function backlogTrend(
  pool: string,
  windows: ReadonlyArray<{ start_s: number; queue: number }>,
  window_s: number,
  servedPerSecond: number,
): BacklogTrend {
  const n = windows.length;
  const threshold = Math.max(1, servedPerSecond * TREND_SERVICE_S);
  const first = windows[0]?.queue ?? 0;
  const last = windows[n - 1]?.queue ?? 0;
  const none = { pool, slope_per_s: 0, t: 0, growth: 0, threshold, first, last, growing: false };
  if (n < 3) return none;
  const b = Math.min(TREND_BATCHES, n);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < b; i++) {
    const lo = Math.floor((i * n) / b);
    const hi = Math.floor(((i + 1) * n) / b);
    let x = 0;
    let y = 0;
    for (let j = lo; j < hi; j++) {
      const w = windows[j] as { start_s: number; queue: number };
      x += w.start_s + window_s / 2;
      y += w.queue;
    }
    xs.push(x / (hi - lo));
    ys.push(y / (hi - lo));
  }
  const { slope, t } = olsSlope(xs, ys);
  const period_s = n * window_s;
  const growth = slope * period_s;
  const crit = T_CRIT_1PCT[b - 2] as number;
  return { pool, slope_per_s: slope, t, growth, threshold, first, last, growing: t > crit && growth > threshold };
}

/** OLS slope of y on x and its t statistic (residual variance on n − 2 degrees of freedom). */
export function olsSlope(xs: readonly number[], ys: readonly number[]): { slope: number; t: number } {
  const n = xs.length;
  const mx = xs.reduce((a, v) => a + v, 0) / n;
  const my = ys.reduce((a, v) => a + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += ((xs[i] as number) - mx) ** 2;
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
  }
  if (sxx === 0) return { slope: 0, t: 0 };
  const slope = sxy / sxx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((ys[i] as number) - my - slope * ((xs[i] as number) - mx)) ** 2;
  const se = Math.sqrt(sse / (n - 2) / sxx);
  // An exact line (all batch means on it) is as significant as it gets.
  const t = se > 0 ? slope / se : slope > 0 ? Infinity : slope < 0 ? -Infinity : 0;
  return { slope, t };
}

/** The stderr line for a growing backlog. */
export function describeTrend(scenario: string, trend: BacklogTrend): string {
  const f = (v: number) => Math.round(v).toLocaleString('en-US');
  return (
    `${scenario}: overloaded: the ${trend.pool} pool's queue grew from ${f(trend.first)} to ${f(trend.last)} requests over the measured period ` +
    `(fitted ${trend.slope_per_s.toPrecision(3)} requests/s, t = ${Number.isFinite(trend.t) ? trend.t.toFixed(1) : '∞'}; ` +
    `${f(trend.growth)} added, more than the ${f(trend.threshold)} the run serves in ${TREND_SERVICE_S} s). See pools.arrow for the queues.`
  );
}
