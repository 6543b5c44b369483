import { MAX_DEVICES } from '../physics/index.js';
import type { Problem } from './problems.js';
import type { ScenarioFile } from './schema.js';

// Sizes beyond which a run would exhaust memory or never end: refused up front, with
// the limit, instead of discovered hours later.

/** Requests one run may generate (the expected count: rate × duration). */
export const MAX_REQUESTS = 1e9;
/** Rows of the window tables (nodes, pools, links) one run may write. */
export const MAX_WINDOW_ROWS = 5e7;
/** Instances in one scenario (checked by resolve() before racks are expanded). */
export const MAX_INSTANCES = 100_000;

export function checkLimits(file: ScenarioFile, duration_s: number, horizon_s: number, instances: number): Problem[] {
  const problems: Problem[] = [];
  const a = file.workload.arrivals;
  const peak = a.process === 'diurnal'
    ? a.sinusoid ? a.sinusoid.mean_rate_per_s * (1 + a.sinusoid.amplitude) : Math.max(0, ...(a.points ?? []).map((p) => p.rate_per_s))
    : a.process === 'trace' ? 0 : a.rate_per_s;
  const expected = peak * duration_s;
  if (expected > MAX_REQUESTS) {
    problems.push({ path: 'workload.arrivals', message: `would generate about ${expected.toExponential(2)} requests (rate × duration_s); the limit is ${MAX_REQUESTS.toExponential(0)}` });
  }
  const windows = Math.ceil(horizon_s / file.metrics.window_s);
  // Instances, two pools, and at most a few links per instance and rack.
  const rows = windows * (instances * 3 + 2);
  if (rows > MAX_WINDOW_ROWS) {
    problems.push({ path: 'metrics.window_s', message: `${file.metrics.window_s} s windows over ${horizon_s} s would write about ${rows.toExponential(2)} window rows; the limit is ${MAX_WINDOW_ROWS.toExponential(0)}: use wider windows` });
  }
  file.datacenter.racks.forEach((rack, r) => rack.nodes.forEach((g, n) => {
    if (g.devices !== undefined && g.devices > MAX_DEVICES) {
      problems.push({ path: `datacenter.racks[${r}].nodes[${n}].devices`, message: `must be at most ${MAX_DEVICES}, got ${g.devices}` });
    }
  }));
  return problems;
}
