// Closed-loop workload (`"process": "closed"`): N users, each sending its next request
// when the previous one ends plus a think time. Checked on the sample path written to
// requests.arrow (N requests in the system at every instant, Little's law), against the
// closed-form finite-source queue M/M/1//N, and for determinism and conservation.
import { type Table, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { checkScenario, InputError, type ResolvedScenario, runScenario } from '../../sim/index.js';
import { RandomStreams } from '../../sim/engine/index.js';
import { meanInterval } from '../../sim/studies/index.js';
import { arrivalStream } from '../../sim/workload/index.js';
import { expectConserved } from '../helpers/conservation.js';
import { column, queueingScenario } from '../helpers/queueing.js';

type Think =
  | { dist: 'constant'; value_s: number }
  | { dist: 'exponential'; mean_s: number }
  | { dist: 'lognormal'; mean_s: number; cv: number };

const closed = (users: number, think_s: Think = { dist: 'constant', value_s: 0 }) => ({
  process: 'closed',
  users,
  think_s,
});

/** A physics-driven scenario (Llama 3.1 8B on H100s), disaggregated or colocated. */
function physics(o: {
  users: number;
  layout: 'split' | 'colocated';
  stepping?: 'exact' | 'fast-forward';
  faults?: object;
  seed?: number;
}): ResolvedScenario {
  const racks =
    o.layout === 'split'
      ? [
          { name: 'p', uplink_gbps: 400, nodes: [{ hardware: 'h100-sxm', devices: 1, count: 2, role: 'prefill' }] },
          { name: 'd', uplink_gbps: 400, nodes: [{ hardware: 'h100-sxm', devices: 1, count: 2, role: 'decode' }] },
        ]
      : [{ name: 'm', nodes: [{ hardware: 'h100-sxm', devices: 1, count: 2, role: 'mixed' }] }];
  return checkScenario(
    {
      name: `closed-${o.layout}`,
      seed: o.seed ?? 3,
      duration_s: 40,
      warmup_s: 5,
      drain_s: 200,
      model: 'llama-3.1-8b',
      datacenter: {
        racks,
        network: { kv_transfer: o.layout === 'split' ? 'network' : 'off', spine_gbps: 800, latency_us: 5 },
      },
      workload: {
        arrivals: closed(o.users),
        prompt_tokens: { dist: 'lognormal', median: 1500, sigma: 0.8, max: 12000 },
        output_tokens: { dist: 'lognormal', median: 150, sigma: 0.8, max: 1500 },
      },
      scheduling: { router: 'least-work', decode_max_batch: 32, decode_stepping: o.stepping ?? 'fast-forward' },
      ...(o.faults ? { faults: o.faults } : {}),
    },
    'closed.json',
  );
}

/**
 * Each request's [arrival, end) from requests.arrow. A completed request ends at
 * completion_s; a rejected one when it was rejected (`rejectedAt`, from its reason); an
 * unfinished one is still in the system at the end (+∞).
 */
function intervals(requests: Table, rejectedAt: (reason: string) => number = () => NaN): Array<[number, number]> {
  const arrival = column(requests, 'arrival_s');
  const completion = column(requests, 'completion_s');
  const status = requests.getChild('status');
  const reason = requests.getChild('reason');
  return arrival.map((a, i) => {
    const s = status?.get(i) as string;
    const end =
      s === 'completed'
        ? (completion[i] as number)
        : s === 'rejected'
          ? rejectedAt(reason?.get(i) as string)
          : Infinity;
    return [a, end];
  });
}

/**
 * The number of requests in the system, L(t) = #{arrival ≤ t < end}, just after every
 * instant in [0, before_s) where it can change (an arrival or an end). Returns the
 * distinct values seen and how many instants were checked.
 */
function inSystem(spans: Array<[number, number]>, before_s: number): { values: Set<number>; instants: number } {
  const events: Array<[number, number]> = [];
  for (const [a, e] of spans) {
    events.push([a, 1]);
    if (Number.isFinite(e)) events.push([e, -1]);
    else expect(e, 'every request has an end time').toBe(Infinity);
  }
  events.sort((x, y) => x[0] - y[0]);
  const values = new Set<number>();
  let L = 0;
  let instants = 0;
  for (let i = 0; i < events.length;) {
    const t = (events[i] as [number, number])[0];
    // Everything at t at once: an end at t and the resend at t cancel out.
    for (; i < events.length && (events[i] as [number, number])[0] === t; i++) L += (events[i] as [number, number])[1];
    if (t < before_s) {
      values.add(L);
      instants++;
    }
  }
  return { values, instants };
}

/** Machine repairman (M/M/1//N): N users, exponential think Z, one exponential server S. */
function machineRepairman(N: number, Z: number, S: number): { X: number; R: number } {
  // p0 = [Σ_k N!/(N−k)! (S/Z)^k]^−1; utilisation 1 − p0; X = U/S; R = N/X − Z.
  let term = 1;
  let sum = 1;
  for (let k = 1; k <= N; k++) {
    term *= (N - k + 1) * (S / Z);
    sum += term;
  }
  const X = (1 - 1 / sum) / S;
  return { X, R: N / X - Z };
}

describe('zero think time: exactly N requests in the system', () => {
  const cases: Array<[string, () => ResolvedScenario, number]> = [
    [
      'queueing mode, 2 prefill + 3 decode servers, jsq',
      () =>
        queueingScenario({
          rate: 0,
          router: 'jsq',
          duration_s: 5_000,
          warmup_s: 100,
          prefill: { count: 2, service: { dist: 'exponential', mean_s: 0.5 } },
          decode: { count: 3, service: { dist: 'lognormal', mean_s: 1, cv: 0.7 } },
          arrivals: closed(7),
        }),
      7,
    ],
    ['physics, disaggregated, fast-forward decode', () => physics({ users: 24, layout: 'split' }), 24],
    ['physics, colocated, fast-forward decode', () => physics({ users: 24, layout: 'colocated' }), 24],
  ];

  it.each(cases)('I12 closed-loop population: %s, L(t) = N at every event instant before duration_s', (_, make, N) => {
    const s = make();
    const r = runScenario(s);
    const requests = r.tables.requests;
    expect(r.summary.rejected).toBe(0);
    const { values, instants } = inSystem(intervals(requests), s.duration_s);
    expect([...values]).toEqual([N]);
    // Many instants checked, not a handful.
    expect(instants).toBeGreaterThan(10 * N);
    // The users' first requests are ids 0…N−1, all sent at t = 0.
    const arrival = column(requests, 'arrival_s');
    const id = column(requests, 'request_id');
    const firsts = id.map((x, i) => [x, arrival[i]] as const).filter(([x]) => x < N);
    expect(firsts.length).toBe(N);
    expect(firsts.every(([, a]) => a === 0)).toBe(true);
    // Conservation: each request that ended before duration_s freed its user at once,
    // who sent one more: n = N + (ends before duration_s), counted apart from the log.
    const endedBefore = intervals(requests).filter(([, e]) => e < s.duration_s).length;
    expect(r.stats.generated).toBe(N + endedBefore);
    expectConserved({ requests, summary: r.summary }, r.stats.generated);
    // Ids follow arrival order.
    const byId = id.map((x, i) => [x, arrival[i] as number] as const).sort((p, q) => p[0] - q[0]);
    for (let k = 1; k < byId.length; k++)
      expect((byId[k] as readonly [number, number])[1]).toBeGreaterThanOrEqual(
        (byId[k - 1] as readonly [number, number])[1],
      );
  });

  it("I5 Little's law on the sample path: ∫ L dt = N·T exactly, and X·R = N within the edge terms", () => {
    const N = 7;
    const s = cases[0]?.[1]() as ResolvedScenario;
    const r = runScenario(s);
    const spans = intervals(r.tables.requests);
    const a = s.warmup_s;
    const b = s.duration_s;
    // ∫_a^b L(t) dt as the sum of each request's time inside [a, b).
    const area = spans.reduce((sum, [x, e]) => sum + Math.max(0, Math.min(e, b) - Math.max(x, a)), 0);
    expect(Math.abs(area - N * (b - a)) / (N * (b - a))).toBeLessThan(1e-9);
    // Throughput and mean e2e of the requests wholly inside [a, b]: X·R = their area/(b − a).
    // The rest of the area belongs to at most N requests straddling a and N straddling b,
    // each contributing at most its e2e: |X·R − N| ≤ 2N·max e2e/(b − a).
    const inside = spans.filter(([x, e]) => x >= a && e <= b);
    const X = inside.length / (b - a);
    const R = inside.reduce((sum, [x, e]) => sum + (e - x), 0) / inside.length;
    const maxE2e = Math.max(...spans.filter(([, e]) => Number.isFinite(e)).map(([x, e]) => e - x));
    const bound = (2 * N * maxE2e) / (b - a);
    expect(bound, 'the edge bound is small enough to be a test').toBeLessThan(0.02 * N);
    expect(Math.abs(X * R - N)).toBeLessThanOrEqual(bound);
  });
});

describe('think time: the finite-source queue M/M/1//N (machine repairman)', () => {
  // N = 5 users, mean think Z = 4 s, one exponential server S = 1 s (pool-fcfs):
  // X ≈ 0.8009 /s, R ≈ 2.243 s. The decode stage adds its fixed 1e-6 s.
  const N = 5;
  const Z = 4;
  const S = 1;
  const theory = machineRepairman(N, Z, S);
  const DECODE_S = 1e-6;
  const run = (think: Think) => {
    const s = queueingScenario({
      rate: 0,
      duration_s: 100_000,
      warmup_s: 1_000,
      prefill: { count: 1, service: { dist: 'exponential', mean_s: S } },
      arrivals: closed(N, think),
    });
    const r = runScenario(s);
    const spans = intervals(r.tables.requests).filter(([x]) => x >= s.warmup_s);
    // Throughput: completions per second in 20 consecutive time batches of the window.
    const batches = 20;
    const width = (s.duration_s - s.warmup_s) / batches;
    const counts = new Array<number>(batches).fill(0);
    for (const [, e] of spans) if (e < s.duration_s) counts[Math.floor((e - s.warmup_s) / width)]! += 1;
    const X = meanInterval(
      counts.map((c) => c / width),
      0.99,
    );
    // Response: batch means of e2e in arrival order.
    const e2e = spans
      .filter(([, e]) => Number.isFinite(e))
      .sort((p, q) => p[0] - q[0])
      .map(([x, e]) => e - x);
    const size = Math.floor(e2e.length / batches);
    const R = meanInterval(
      Array.from({ length: batches }, (_, k) => e2e.slice(k * size, (k + 1) * size).reduce((p, q) => p + q, 0) / size),
      0.99,
    );
    return { X, R };
  };

  // Product-form networks are insensitive to the think-time distribution beyond its
  // mean (the users' think is an infinite-server station; BCMP 1975): the same X and R
  // hold for exponential and for bursty lognormal think times.
  it.each<[string, Think]>([
    ['exponential think', { dist: 'exponential', mean_s: Z }],
    ['lognormal think (cv 2), same mean', { dist: 'lognormal', mean_s: Z, cv: 2 }],
  ])('%s: throughput and mean response match, and N = X (R + Z)', (_, think) => {
    const { X, R } = run(think);
    const msg = `X ${X.mean.toFixed(4)} ± ${X.halfWidth.toFixed(4)} vs ${theory.X.toFixed(4)}; R ${R.mean.toFixed(4)} ± ${R.halfWidth.toFixed(4)} vs ${theory.R.toFixed(4)}`;
    // The 99% intervals cover theory, and are narrow enough that a 5% error in either
    // rate would be caught (X moves by > 3%, R by > 8% for ±5% in S).
    expect(X.halfWidth, msg).toBeLessThan(0.015 * theory.X);
    expect(R.halfWidth, msg).toBeLessThan(0.04 * theory.R);
    expect(Math.abs(X.mean - theory.X), msg).toBeLessThanOrEqual(X.halfWidth);
    expect(Math.abs(R.mean - theory.R - DECODE_S), msg).toBeLessThanOrEqual(R.halfWidth);
    // The response-time law, with the error carried from both intervals.
    const tolerance = (R.mean + Z) * X.halfWidth + X.mean * R.halfWidth;
    expect(Math.abs(X.mean * (R.mean + Z) - N), msg).toBeLessThanOrEqual(tolerance);
  });
});

describe('determinism, lengths and faults', () => {
  const ipc = (t: Table) => Buffer.from(tableToIPC(t, 'file'));

  it('I11 determinism: the same seed gives identical tables; another seed does not', () => {
    const s = physics({ users: 16, layout: 'split' });
    const a = runScenario(s);
    const b = runScenario(s);
    for (const name of ['requests', 'nodes', 'pools', 'links', 'summary'] as const) {
      expect(ipc(b.tables[name]).equals(ipc(a.tables[name])), name).toBe(true);
    }
    const c = runScenario(s, { seed: 4 });
    expect(ipc(c.tables.requests).equals(ipc(a.tables.requests))).toBe(false);
  });

  it("request k has the lengths of an open-loop run's request k (same streams, same seed)", () => {
    const s = queueingScenario({
      rate: 0,
      duration_s: 500,
      prefill: { count: 1, service: { dist: 'exponential', mean_s: 0.2 } },
      arrivals: closed(3, { dist: 'exponential', mean_s: 1 }),
    });
    const lengths = {
      ...s.workload,
      prompt_tokens: { dist: 'lognormal' as const, median: 500, sigma: 1 },
      output_tokens: { dist: 'uniform' as const, min: 1, max: 400 },
    };
    const r = runScenario({ ...s, workload: lengths });
    const open = arrivalStream(
      { ...lengths, arrivals: { process: 'poisson', rate_per_s: 1 } },
      new RandomStreams(s.seed),
      Infinity,
    );
    const want = Array.from({ length: r.tables.requests.numRows }, () => open.next());
    const id = column(r.tables.requests, 'request_id');
    const prompt = column(r.tables.requests, 'prompt_tokens');
    const output = column(r.tables.requests, 'output_tokens');
    expect(id.length).toBeGreaterThan(500);
    id.forEach((k, i) => {
      expect([prompt[i], output[i]]).toEqual([want[k]?.promptTokens, want[k]?.outputTokens]);
    });
    // The lengths vary (the check is not between constants).
    expect(new Set(prompt).size).toBeGreaterThan(100);
  });

  it('I6 fast-forward = exact: the same closed-loop run (1e-9)', () => {
    const ff = runScenario(physics({ users: 12, layout: 'split', stepping: 'fast-forward' }));
    const ex = runScenario(physics({ users: 12, layout: 'split', stepping: 'exact' }));
    expect(ff.stats.generated).toBe(ex.stats.generated);
    expect(ff.stats.events).toBeLessThan(ex.stats.events / 5);
    const byId = (t: Table, name: string) => {
      const id = column(t, 'request_id');
      const v = column(t, name);
      const out = new Array<number>(id.length);
      id.forEach((k, i) => (out[k] = v[i] as number));
      return out;
    };
    for (const name of ['arrival_s', 'first_token_s', 'completion_s']) {
      const a = byId(ff.tables.requests, name);
      const b = byId(ex.tables.requests, name);
      a.forEach((x, k) => {
        const y = b[k] as number;
        if (Number.isNaN(x)) expect(y).toBeNaN();
        else expect(Math.abs(x - y), `${name} of request ${k}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(x)));
      });
    }
  });

  it('I12 closed-loop population: a request rejected after failures frees its user, still N in the system', () => {
    // One prefill and one decode instance fail at 20 s with no retries allowed: the
    // requests they hold are rejected then, and their users send again at once.
    const N = 24;
    const s = physics({
      users: N,
      layout: 'split',
      faults: {
        max_retries: 0,
        instances: [
          { instance: 'p-0/prefill-0', at_s: 20, repair_s: 5 },
          { instance: 'd-0/decode-1', at_s: 20, repair_s: 5 },
        ],
      },
    });
    const r = runScenario(s);
    expect(r.summary.rejected).toBeGreaterThan(0);
    const rejectedAt = (reason: string) => Number(/ at ([0-9.e+-]+) s; retry limit/.exec(reason)?.[1]);
    const spans = intervals(r.tables.requests, rejectedAt);
    expect(spans.filter(([, e]) => e === 20).length).toBeGreaterThan(0);
    const { values } = inSystem(spans, s.duration_s);
    expect([...values]).toEqual([N]);
    expectConserved({ requests: r.tables.requests, summary: r.summary }, r.stats.generated);
  });

  it('users whose requests are all rejected at once, thinking for no time, are an input error, not a hang', () => {
    // A 2M-token prompt's KV (128 KiB a token for Llama 3.1 8B: about 260 GB) exceeds any
    // single H100: every request is rejected the instant it is sent. Validation refuses
    // this scenario as a file (manifest-closed.json); edited after validation, it
    // stands for what validation cannot see (say, an empirical trace of long prompts)
    // and reaches the run's own guard.
    const base = physics({ users: 2, layout: 'colocated' });
    const stuck = {
      ...base,
      workload: { ...base.workload, prompt_tokens: { dist: 'constant' as const, value: 2_000_000 } },
    };
    let err: unknown;
    try {
      runScenario(stuck);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems[0]).toMatchObject({ path: 'workload.arrivals.think_s', file: 'closed.json' });
    // With a think time, the same users keep trying and time advances: one request per
    // user per second of think, each rejected with its reason.
    const patient = {
      ...stuck,
      workload: {
        ...stuck.workload,
        arrivals: { process: 'closed' as const, users: 2, think_s: { dist: 'constant' as const, value_s: 1 } },
      },
    };
    const r = runScenario(patient);
    expect(r.summary.rejected).toBe(2 * patient.duration_s);
    expect(r.summary.requests).toBe(2 * patient.duration_s);
  });
});

describe('validation', () => {
  const file = (arrivals: object) =>
    queueingScenario({
      rate: 0,
      duration_s: 100,
      prefill: { count: 1, service: { dist: 'exponential', mean_s: 1 } },
      arrivals,
    });
  const problem = (arrivals: object) => {
    try {
      file(arrivals);
    } catch (e) {
      if (e instanceof InputError) return e.problems.map((p) => `${p.path}: ${p.message}`).join('\n');
      throw e;
    }
    return '';
  };

  it('think_s defaults to zero', () => {
    expect(file({ process: 'closed', users: 3 }).workload.arrivals).toEqual({
      process: 'closed',
      users: 3,
      think_s: { dist: 'constant', value_s: 0 },
    });
  });

  it.each<[object, RegExp]>([
    [{ process: 'closed', users: 0 }, /workload\.arrivals\.users: must be a positive integer/],
    [{ process: 'closed', users: -3 }, /workload\.arrivals\.users: must be a positive integer/],
    [{ process: 'closed', users: 2.5 }, /workload\.arrivals\.users: must be a positive integer/],
    [{ process: 'closed' }, /workload\.arrivals\.users: is required/],
    [{ process: 'closed', users: 2_000_000 }, /workload\.arrivals\.users: must be at most 1,000,000/],
    [
      { process: 'closed', users: 3, think_s: { dist: 'constant', value_s: -1 } },
      /workload\.arrivals\.think_s\.value_s: must be a non-negative number/,
    ],
    [
      { process: 'closed', users: 3, think_s: { dist: 'exponential', mean_s: 0 } },
      /workload\.arrivals\.think_s\.mean_s: must be a positive number/,
    ],
    [{ process: 'closed', users: 3, think_s: { dist: 'gamma', mean_s: 1 } }, /workload\.arrivals\.think_s\.dist/],
    [{ process: 'closed', users: 3, think_s: 0 }, /workload\.arrivals\.think_s/],
    [{ process: 'closed', users: 3, rate_per_s: 2 }, /workload\.arrivals.*rate_per_s/],
  ])('refuses %j', (arrivals, message) => {
    expect(problem(arrivals)).toMatch(message);
  });

  it('bounds the requests a closed loop can generate by users × duration / (think + fastest prefill)', () => {
    // 1e6 users, no think, a 1 ms server, 100 s: up to 1e11 requests.
    const fast = () =>
      queueingScenario({
        rate: 0,
        duration_s: 100,
        prefill: { count: 1, service: { dist: 'exponential', mean_s: 0.001 } },
        arrivals: { process: 'closed', users: 1_000_000 },
      });
    expect(fast).toThrow(/workload\.arrivals: could generate up to about 1\.00e\+11 requests/);
    // The same users thinking 10 s on average: at most 1e6 × (1 + 100/10.001) ≈ 1.1e7.
    expect(() =>
      queueingScenario({
        rate: 0,
        duration_s: 100,
        prefill: { count: 1, service: { dist: 'exponential', mean_s: 0.001 } },
        arrivals: { process: 'closed', users: 1_000_000, think_s: { dist: 'exponential', mean_s: 10 } },
      }),
    ).not.toThrow();
  });
});
