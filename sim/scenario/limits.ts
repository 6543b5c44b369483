import { getHeapStatistics } from 'node:v8';
import { MAX_DEVICES } from '../physics/index.js';
import { expectedGammaArrivals } from '../workload/arrivals.js';
import { joinPath, type Problem } from './problems.js';
import type { ScenarioFile } from './schema.js';

// What a scenario's numbers imply for the run — requests, requests held at once,
// failures, window rows, instances, and the size of any time — checked before it runs
// and refused (exit 2, naming the field) when the run would exhaust memory, never end
// or compute an infinite time. Each limit and its reason is stated here and in
// docs/input.md; the measurements behind them are on this machine's class (Node 20,
// x64), to the nearest power of ten that matters.

/**
 * Requests one run may generate (the expected count). Each costs about 6 µs of
 * simulation (measured: 3 × 10⁶ requests in 18 s), so this is already hours of
 * running; it exists to refuse rates or durations off by orders of magnitude.
 */
export const MAX_REQUESTS = 1e9;

/**
 * Requests in flight at once (arrived, not yet ended). Each is held in memory until it
 * ends, about 500 bytes with its queue entries (measured: 2 × 10⁶ in flight, 0.93 GB
 * resident; 3 × 10⁶, 1.8 GB with garbage not yet collected), so 2 × 10⁶ is about 1 GB,
 * inside Node's default heap (2–4 GB on 64-bit machines) with room for the rest of the
 * run. Beyond it V8 dies out of memory with no message. Checked before the run for
 * bursts a process is known to make (gamma arrivals), and while it runs (inFlightLimit)
 * for a datacenter that falls this far behind.
 */
export const MAX_IN_FLIGHT = 2e6;
const BYTES_PER_REQUEST_IN_FLIGHT = 500;

/**
 * The in-flight limit for this process: MAX_IN_FLIGHT, or fewer when the heap is
 * smaller than the default (--max-old-space-size, a worker's resource limits), so that
 * held requests take at most half of it.
 */
export function inFlightLimit(heapLimit_bytes: number = getHeapStatistics().heap_size_limit): number {
  return Math.min(MAX_IN_FLIGHT, Math.floor(heapLimit_bytes / 2 / BYTES_PER_REQUEST_IN_FLIGHT));
}

/**
 * Random instance failures one run may expect. A failure (and its repair) costs about
 * as much simulation as a request (measured: 1.2 × 10⁶ failures in 6 s, 5 µs each) and
 * displaces every request on the instance; 10⁷ is about a minute of failures, far more
 * than any study of availability needs (a week of 100,000 instances failing daily is
 * 7 × 10⁵), and stops an MTBF in microseconds from turning a 30-second scenario into
 * hours of failing and repairing.
 */
export const MAX_FAILURES = 1e7;

/** Rows of the window tables (nodes, pools, links) one run may write. */
export const MAX_WINDOW_ROWS = 5e7;

/** Instances in one scenario (checked by resolve() before racks are expanded). */
export const MAX_INSTANCES = 100_000;
/**
 * Users of a closed-loop workload. Each holds at most one request in the system (a few
 * hundred bytes with its queue entries) and one pending event, so a million is a few
 * hundred MB at worst, as a queue of a million requests in an overloaded open-loop run.
 * **Assumption**: published fixed-concurrency benchmarks use at most a few thousand.
 */
export const MAX_USERS = 1_000_000;

/**
 * The largest time, in seconds, any field may give or imply: 2^53 µs (about 285 years).
 * Up to it a time in seconds still resolves a microsecond (float64 has 53 bits), and
 * every draw from a distribution with a mean below it stays finite (an exponential
 * draw is at most ~22 means; a lognormal's is finite for any cv), so an event is never
 * scheduled at an infinite or NaN time. No serving study needs more; a larger value is
 * a typo or a unit slip.
 */
export const MAX_TIME_S = Number.MAX_SAFE_INTEGER / 1e6;

const sci = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : String(x));

/**
 * The limits on what the run will do (requests, bursts, failures, window rows). resolve()
 * checks times and instances first, so these may assume finite times and a datacenter
 * that was built.
 */
export function checkLimits(
  file: ScenarioFile,
  duration_s: number,
  horizon_s: number,
  instances: number,
  faultyInstances: ReadonlyArray<{ path: string; instances: number; mtbf_s: number; mttr_s: number }>,
): Problem[] {
  const problems: Problem[] = [];
  if (file.duration_s === undefined && duration_s > MAX_TIME_S) {
    // Only a trace gives the duration; its times are the file's divided by time_scale.
    const scale = (file.workload.arrivals as { time_scale?: number }).time_scale ?? 1;
    problems.push({
      path: scale === 1 ? 'workload.arrivals.path' : 'workload.arrivals.time_scale',
      message:
        `puts the trace's last arrival at ${sci(duration_s)} ` +
        `s${scale === 1 ? '' : ` (time_scale ${scale})`}; the limit is ${sci(MAX_TIME_S)} s (2^53 µs)`,
    });
    return problems;
  }
  const a = file.workload.arrivals;
  // A closed loop's requests follow from its users: closed-loop-limits.ts.
  if (a.process !== 'closed') problems.push(...checkArrivals(a, duration_s));

  const failures = faultyInstances.map((f) => ({ ...f, expected: (f.instances * horizon_s) / (f.mtbf_s + f.mttr_s) }));
  const totalFailures = failures.reduce((a, f) => a + f.expected, 0);
  if (!(totalFailures <= MAX_FAILURES)) {
    const worst = failures.reduce((a, f) => (f.expected > a.expected ? f : a));
    problems.push({
      path: `${worst.path}.mtbf_s`,
      message:
        `${worst.instances} instances failing every ${worst.mtbf_s} + ${worst.mttr_s} s (mtbf_s + mttr_s) ` +
        `over ${horizon_s} s would fail about ${sci(totalFailures)} times in all; the limit is ${sci(MAX_FAILURES)}`,
    });
  }

  const windows = Math.ceil(horizon_s / file.metrics.window_s);
  // Instances, two pools, and at most a few links per instance and rack.
  const rows = windows * (instances * 3 + 2);
  if (!(rows <= MAX_WINDOW_ROWS)) {
    problems.push({
      path: 'metrics.window_s',
      message:
        `${file.metrics.window_s} s windows over ${horizon_s} s would write about ${rows.toExponential(2)} ` +
        `window rows; the limit is ${MAX_WINDOW_ROWS.toExponential(0)}: use wider windows`,
    });
  }
  file.datacenter.racks.forEach((rack, r) =>
    rack.nodes.forEach((g, n) => {
      if (g.devices !== undefined && g.devices > MAX_DEVICES) {
        problems.push({
          path: `datacenter.racks[${r}].nodes[${n}].devices`,
          message: `must be at most ${MAX_DEVICES}, got ${g.devices}`,
        });
      }
    }),
  );
  return problems;
}

/**
 * Every time the file gives — each field whose name ends in `_s` (seconds) or `_us`
 * (microseconds), wherever it is, so that a field added later is covered too — must
 * be at most MAX_TIME_S.
 */
export function checkTimes(file: ScenarioFile): Problem[] {
  const problems: Problem[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, joinPath(path, i)));
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        const here = joinPath(path, key);
        const unit = key.endsWith('_us') ? 1e-6 : key.endsWith('_s') ? 1 : 0;
        if (unit && typeof v === 'number' && !(v * unit <= MAX_TIME_S)) {
          const limit = unit === 1 ? `${sci(MAX_TIME_S)} s` : `${sci(MAX_TIME_S / unit)} µs`;
          problems.push({
            path: here,
            message:
              `must be at most ${limit} (2^53 µs, about 285 years: beyond it a time is no longer exact to ` +
              `the microsecond, and draws around it overflow), got ${v}`,
          });
        } else walk(v, here);
      }
    }
  };
  walk(file, '');
  return problems;
}

/** Requests the arrival process will generate, and those a burst holds at once. */
function checkArrivals(
  a: Exclude<ScenarioFile['workload']['arrivals'], { process: 'closed' }>,
  duration_s: number,
): Problem[] {
  if (a.process === 'trace') return [];
  const problems: Problem[] = [];
  if (a.process === 'diurnal') {
    // Thinning draws candidates at the peak rate: the count is at most peak × duration.
    const peak = a.sinusoid
      ? a.sinusoid.mean_rate_per_s * (1 + a.sinusoid.amplitude)
      : Math.max(0, ...(a.points ?? []).map((p) => p.rate_per_s));
    const expected = peak * duration_s;
    if (!(expected <= MAX_REQUESTS)) {
      problems.push({
        path: 'workload.arrivals',
        message:
          `would generate about ${sci(expected)} requests (peak rate × duration_s); the limit is ` +
          `${MAX_REQUESTS.toExponential(0)}`,
      });
    }
    return problems;
  }
  if (a.process !== 'gamma') {
    const expected = a.rate_per_s * duration_s;
    if (!(expected <= MAX_REQUESTS)) {
      problems.push({
        path: 'workload.arrivals.rate_per_s',
        message:
          `would generate about ${sci(expected)} requests (rate × duration_s); the limit is ` +
          `${MAX_REQUESTS.toExponential(0)}`,
      });
    }
    return problems;
  }
  // Gamma gaps of shape 1/cv² come in clusters: most gaps are nearly zero and a rare
  // long one keeps the mean, so a large cv gives many more arrivals than rate ×
  // duration over a short run, about cv² of them close together at the start.
  // The cluster: those expected within one mean gap, 1/rate, of the start. A datacenter
  // sized for the mean rate serves about one request per mean gap, so it holds them all.
  const expected = expectedGammaArrivals(a.rate_per_s, a.cv, duration_s);
  const cluster = expectedGammaArrivals(a.rate_per_s, a.cv, Math.min(duration_s, 1 / a.rate_per_s));
  const steady = a.rate_per_s * duration_s;
  if (!(expected <= MAX_REQUESTS)) {
    const path = steady * 2 > expected ? 'workload.arrivals.rate_per_s' : 'workload.arrivals.cv';
    problems.push({
      path,
      message:
        `would generate about ${sci(expected)} requests over duration_s (a gamma process with cv ${a.cv} ` +
        `clusters its arrivals); the limit is ${MAX_REQUESTS.toExponential(0)}`,
    });
  } else if (!(cluster <= MAX_IN_FLIGHT)) {
    problems.push({
      path: 'workload.arrivals.cv',
      message:
        `a gamma process with cv ${a.cv} would deliver about ${sci(cluster)} requests within its first ` +
        `mean gap (1/rate_per_s), all held in memory at once; the limit is ${sci(MAX_IN_FLIGHT)} requests in flight`,
    });
  }
  return problems;
}

/** The node group or rack copy count that makes a datacenter too large, and the message. */
export function checkInstanceCount(racks: ScenarioFile['datacenter']['racks']): Problem[] {
  let total = 0;
  let worst = { r: 0, g: 0, n: 0 };
  // An autoscaled group is built at its maximum (those past count start off).
  const size = (group: (typeof racks)[number]['nodes'][number]) =>
    group.autoscale ? Math.max(group.autoscale.max, group.count) : group.count;
  racks.forEach((rack, r) =>
    rack.nodes.forEach((group, g) => {
      const n = rack.count * size(group);
      total += n;
      if (n > worst.n) worst = { r, g, n };
    }),
  );
  if (total <= MAX_INSTANCES) return [];
  // Name the factor of the largest product: the group's count, or the rack's copies.
  const rack = racks[worst.r] as (typeof racks)[number];
  const group = rack.nodes[worst.g] as (typeof rack.nodes)[number];
  const perCopy = rack.nodes.reduce((a, x) => a + size(x), 0);
  const field = group.autoscale && group.autoscale.max > group.count ? 'autoscale.max' : 'count';
  return size(group) >= rack.count
    ? [
        {
          path: `datacenter.racks[${worst.r}].nodes[${worst.g}].${field}`,
          message:
            `${size(group)} instances in this node group${rack.count > 1 ? ` (× ${rack.count} rack copies)` : ''} ` +
            `make ${total} in the datacenter; the limit is ${MAX_INSTANCES}`,
        },
      ]
    : [
        {
          path: `datacenter.racks[${worst.r}].count`,
          message:
            `${rack.count} copies of this rack (${perCopy} instances each) make ${total} instances in the ` +
            `datacenter; the limit is ${MAX_INSTANCES}`,
        },
      ];
}
