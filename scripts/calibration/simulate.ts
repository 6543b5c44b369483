// Runs measurement rows through the whole simulator (checkScenario → runScenario →
// requests table) and reads each row's metric off the run. `simulateRows(rows, catalog)`
// is the function a fit calls with trial constants: catalog → one value per row.
import type { Table } from 'apache-arrow';
import { checkScenario, InputError, runScenario, type RunResult } from '../../sim/index.js';
import { family, type Measurement } from './measurements.js';
import { type Catalog, CATALOG, concurrentCapacity, rowScenario, SETUP, type Workload } from './scenario.js';

export interface RowResult {
  id: string;
  family: string;
  use: Measurement['use'];
  metric: Measurement['metric'];
  published: number;
  /** NaN when the row could not be simulated (`note` says why). */
  simulated: number;
  /** simulated / published − 1. */
  error: number;
  /** How the row's arrivals were simulated. */
  scenario: string;
  /** Set when the simulated setup only approximates the published one. */
  approximate: string;
  note: string;
  /** Error on constants refitted without the row's source (leave-one-source-out). */
  heldOut?: number | undefined;
}

function numbers(table: Table, name: string): Float64Array {
  const column = table.getChild(name);
  if (!column) throw new Error(`requests table has no column ${name}`);
  return Float64Array.from(column.toArray() as ArrayLike<number>, (v) => (v === null ? Number.NaN : Number(v)));
}

/** The completed, measured requests of a run, as columns. */
function completed(result: RunResult) {
  const t = result.tables.requests;
  const status = t.getChild('status')!.toArray() as string[];
  const warm = t.getChild('warmup')?.toArray() as ArrayLike<boolean> | undefined;
  const cols = {
    arrival: numbers(t, 'arrival_s'),
    ttft: numbers(t, 'ttft_s'),
    tpot: numbers(t, 'tpot_s'),
    e2e: numbers(t, 'e2e_s'),
    out: numbers(t, 'output_tokens'),
  };
  const keep: number[] = [];
  for (let i = 0; i < t.numRows; i++) if (status[i] === 'completed' && !warm?.[i]) keep.push(i);
  const pick = (a: Float64Array) => keep.map((i) => a[i]!);
  return {
    n: keep.length,
    all: t.numRows,
    arrival: pick(cols.arrival),
    ttft: pick(cols.ttft),
    tpot: pick(cols.tpot),
    e2e: pick(cols.e2e),
    out: pick(cols.out),
  };
}

/** Median by linear interpolation between order statistics (R type 7), as the summary. */
function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const h = (s.length - 1) / 2;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function run(row: Measurement, catalog: Catalog, workload: Workload): RunResult {
  return runScenario(checkScenario(rowScenario(row, catalog, workload), `${row.id}.json`));
}

/** Whether this build of splitsim has closed-loop arrivals (`process: "closed"`): asked
 * of the scenario checker each time (cheap), rather than remembered in module state. */
function hasClosedLoop(): boolean {
  try {
    checkScenario({
      name: 'probe',
      duration_s: 1,
      model: 'llama-3.1-8b',
      datacenter: { racks: [{ name: 'r', nodes: [{ hardware: 'h100-sxm', role: 'mixed' }] }] },
      workload: {
        arrivals: { process: 'closed', users: 1 },
        prompt_tokens: { dist: 'constant', value: 1 },
        output_tokens: { dist: 'constant', value: 2 },
      },
    });
    return true;
  } catch (e) {
    if (e instanceof InputError) return false;
    throw e;
  }
}

/** The metric a row publishes, read off a run. */
function readMetric(row: Measurement, result: RunResult, offline: boolean): number {
  const r = completed(result);
  if (r.n === 0) return Number.NaN;
  switch (row.metric) {
    case 'ttft_p50_s':
      return median(r.ttft);
    case 'ttft_mean_s':
      return mean(r.ttft);
    case 'tpot_p50_s':
      return median(r.tpot);
    case 'tpot_mean_s':
      return mean(r.tpot);
    case 'tokens_per_s_per_user':
      return 1 / median(r.tpot);
    case 'request_tokens_per_s_p50':
      return median(r.out.map((o, i) => o / r.e2e[i]!));
    case 'output_tokens_per_s':
    case 'output_tokens_per_s_per_gpu': {
      let total: number;
      if (offline) {
        // Offline benchmarks divide all output tokens by the time from the first arrival to the last completion.
        const span = Math.max(...r.arrival.map((a, i) => a + r.e2e[i]!)) - Math.min(...r.arrival);
        total = r.out.reduce((a, b) => a + b, 0) / span;
      } else if (row.arrival?.kind === 'single') {
        total = r.out[0]! / r.e2e[0]!; // one user, back to back
      } else {
        total = result.summary.output_tokens_per_s;
      }
      return row.metric === 'output_tokens_per_s' ? total : total / row.devices;
    }
    case 'allreduce_s':
      return Number.NaN;
  }
}

/** Simulate one row with the given hardware constants. */
export function simulateRow(row: Measurement, catalog: Catalog = CATALOG): RowResult {
  const base = { id: row.id, family: family(row.hardware), use: row.use, metric: row.metric, published: row.value };
  const done = (simulated: number, scenario: string, approximate = '', note = ''): RowResult => ({
    ...base,
    simulated,
    error: simulated / row.value - 1,
    scenario,
    approximate,
    note,
  });
  if (row.use === 'excluded') return done(Number.NaN, 'not simulated', '', row.excludedReason ?? '');
  const arrival = row.arrival!;
  try {
    switch (arrival.kind) {
      case 'single':
        return done(readMetric(row, run(row, catalog, { kind: 'single' }), false), 'one request');
      case 'offline': {
        const requests = Math.min(
          SETUP.offlineMaxRequests,
          Math.max(SETUP.offlineMinRequests, SETUP.offlineCapacities * concurrentCapacity(row, catalog)),
        );
        return done(
          readMetric(row, run(row, catalog, { kind: 'offline', requests }), true),
          `offline burst of ${requests}`,
        );
      }
      case 'poisson':
        return done(
          readMetric(
            row,
            run(row, catalog, { kind: 'poisson', rate_per_s: arrival.rate_per_s, requests: SETUP.poissonRequests }),
            false,
          ),
          `Poisson ${arrival.rate_per_s}/s, ${SETUP.poissonRequests} requests`,
        );
      case 'concurrency': {
        const users = arrival.users;
        const alone = completed(run(row, catalog, { kind: 'single' })).e2e[0]!;
        const requests = Math.max(200, SETUP.requestsPerUser * users);
        if (hasClosedLoop()) {
          const duration_s = (requests / users) * alone * 2;
          return done(
            readMetric(row, run(row, catalog, { kind: 'closed', users, duration_s }), false),
            `closed loop, ${users} users`,
          );
        }
        // Stand-in for N users with no think time: evenly spaced arrivals at the rate
        // that keeps N requests in the system on average (Little: λ · mean e2e = N).
        // λ · mean e2e grows with λ, and N users are never faster than N lone requests
        // (λ ≤ N / e2e alone), so bisect on [0, N / e2e alone].
        let lo = 0;
        let hi = users / alone;
        let rate = hi;
        let result = run(row, catalog, { kind: 'open-loop-users', rate_per_s: rate, requests });
        for (let k = 0; k < SETUP.bisections; k++) {
          rate = (lo + hi) / 2;
          result = run(row, catalog, { kind: 'open-loop-users', rate_per_s: rate, requests });
          const r = completed(result);
          const inSystem = r.n > 0 ? rate * mean(r.e2e) : Number.POSITIVE_INFINITY;
          if (inSystem > users) hi = rate;
          else lo = rate;
        }
        return done(
          readMetric(row, result, false),
          `open loop at ${rate.toPrecision(3)}/s`,
          `closed-loop arrivals not available: evenly spaced arrivals at N / mean e2e stand in for ${users} users`,
        );
      }
    }
  } catch (e) {
    if (e instanceof InputError)
      return done(Number.NaN, 'not simulated', '', `scenario rejected: ${e.message.split('\n').slice(0, 2).join(' ')}`);
    throw e;
  }
}

/** Every row, in order: the function of the constants a fit minimises over. */
export function simulateRows(rows: readonly Measurement[], catalog: Catalog = CATALOG): RowResult[] {
  return rows.map((r) => simulateRow(r, catalog));
}
