// The pipeline in queueing mode against closed-form queueing results. Each test checks
// that theory lies in a 99% batch-means interval AND that the interval is narrow
// enough that a 5% error in an arrival or service rate would put theory outside it.
import { beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/index.js';
import { mg1Wait, mmcWait } from '../../sim/studies/index.js';
import { expectCovers } from '../helpers/ci.js';
import { column, measured, queueingScenario } from '../helpers/queueing.js';

describe('single station', () => {
  it('M/M/1 at ρ = 0.8: mean wait 4/μ and P(wait > 0) = ρ', () => {
    // μ = 1, λ = 0.8. A 5% rate error moves Wq from 4 to ≥ 5.2 and P(wait) by 0.04.
    const s = queueingScenario({
      rate: 0.8,
      prefill: { count: 1, service: { dist: 'exponential', mean_s: 1 } },
      duration_s: 250_000,
      warmup_s: 2_000,
    });
    const r = runScenario(s);
    const wait = measured(r.tables.requests, 'prefill_queue_s');
    expectCovers(wait, 4, 0.5);
    expectCovers(
      wait.map((w) => (w > 0 ? 1 : 0)),
      0.8,
      0.015,
    );
  });

  it('M/M/c (Erlang C) at c = 4, ρ = 0.9 with pool-fcfs', () => {
    // λ = 3.6, μ = 1: Wq = C(4, 3.6)/(4 − 3.6) ≈ 1.969 s. A 5% faster arrival rate
    // gives Wq ≈ 3.9 (ρ = 0.945); 5% slower service, ≈ 3.4.
    const s = queueingScenario({
      rate: 3.6,
      prefill: { count: 4, service: { dist: 'exponential', mean_s: 1 } },
      duration_s: 80_000,
      warmup_s: 2_000,
    });
    const wait = measured(runScenario(s).tables.requests, 'prefill_queue_s');
    expectCovers(wait, mmcWait(4, 3.6, 1), 0.3);
  });

  it('M/D/1 matches Pollaczek–Khinchine: Wq = ρS/(2(1 − ρ))', () => {
    const s = queueingScenario({
      rate: 0.8,
      prefill: { count: 1, service: { dist: 'deterministic', value_s: 1 } },
      duration_s: 150_000,
      warmup_s: 1_000,
    });
    const wait = measured(runScenario(s).tables.requests, 'prefill_queue_s');
    expectCovers(wait, mg1Wait(0.8, 1, 0), 0.2); // theory 2.0; ρ = 0.84 gives 2.6
  });

  it('M/G/1 with lognormal service (cv 1.5) matches Pollaczek–Khinchine', () => {
    // ρ = 0.7: Wq = 0.7 · 1 · (1 + 2.25) / 0.6 ≈ 3.79; ρ = 0.735 gives 4.5.
    const s = queueingScenario({
      rate: 0.7,
      prefill: { count: 1, service: { dist: 'lognormal', mean_s: 1, cv: 1.5 } },
      duration_s: 250_000,
      warmup_s: 1_000,
    });
    const wait = measured(runScenario(s).tables.requests, 'prefill_queue_s');
    expectCovers(wait, mg1Wait(0.7, 1, 1.5), 0.35);
  });
});

describe('networks', () => {
  it('prefill → decode tandem with pool-fcfs: mean sojourn = W(M/M/2) + W(M/M/3) (Jackson)', () => {
    // λ = 1.5; prefill c = 2, μ = 1 (ρ = 0.75); decode c = 3, μ = 1/1.5 (ρ = 0.75).
    const lambda = 1.5;
    const theory = mmcWait(2, lambda, 1) + 1 + mmcWait(3, lambda, 1 / 1.5) + 1.5;
    const s = queueingScenario({
      rate: lambda,
      prefill: { count: 2, service: { dist: 'exponential', mean_s: 1 } },
      decode: { count: 3, service: { dist: 'exponential', mean_s: 1.5 } },
      duration_s: 60_000,
      warmup_s: 1_000,
    });
    const r = runScenario(s);
    expectCovers(measured(r.tables.requests, 'e2e_s'), theory, 0.25); // theory ≈ 4.92; a 5% slower prefill gives 5.3
    // Each station alone matches its own M/M/c too (Burke: the departures are Poisson).
    expectCovers(measured(r.tables.requests, 'decode_queue_s'), mmcWait(3, lambda, 1 / 1.5), 0.2);
  });

  it('random routing over c instances = c independent M/M/1 queues at λ/c', () => {
    const s = queueingScenario({
      rate: 2.4,
      router: 'random',
      prefill: { count: 3, service: { dist: 'exponential', mean_s: 1 } },
      duration_s: 100_000,
      warmup_s: 2_000,
    });
    const r = runScenario(s);
    const wait = measured(r.tables.requests, 'prefill_queue_s');
    expectCovers(wait, 4, 0.5); // each queue: ρ = 0.8, Wq = 4
    // Each instance received about a third of the requests.
    const nodes = r.tables.requests.getChild('prefill_node');
    const share = new Map<string, number>();
    for (let i = 0; i < r.tables.requests.numRows; i++)
      share.set(String(nodes?.get(i)), (share.get(String(nodes?.get(i))) ?? 0) + 1);
    for (const n of share.values()) expect(n / r.tables.requests.numRows).toBeCloseTo(1 / 3, 2);
  });
});

describe("Little's law", () => {
  const s = queueingScenario({
    rate: 2.4,
    router: 'jsq',
    prefill: { count: 3, service: { dist: 'exponential', mean_s: 1 } },
    duration_s: 40_000,
    window_s: 50,
  });
  let end: number[];
  let area = 0;
  let waits: number[];
  let totalWait: number;
  beforeAll(() => {
    const r = runScenario(s);
    const nodes = r.tables.nodes;
    const role = nodes.getChild('role');
    const start = column(nodes, 'window_start_s');
    end = column(nodes, 'window_end_s');
    const q = column(nodes, 'queue_len_mean');
    for (let i = 0; i < nodes.numRows; i++)
      if (role?.get(i) === 'prefill') area += (q[i] as number) * ((end[i] as number) - (start[i] as number));
    waits = column(r.tables.requests, 'prefill_queue_s');
    totalWait = waits.reduce((a, b) => a + b, 0);
  });

  it("I5 Little's law: holds exactly on the sample path, ∫ queue length dt = Σ waits (the run drains empty)", () => {
    expect(area).toBeCloseTo(totalWait, 6 - Math.ceil(Math.log10(totalWait)));
    expect(Math.abs(area - totalWait) / totalWait).toBeLessThan(1e-9);
  });

  it("I5 Little's law: time-weighted queue length from nodes.arrow = λ × mean wait", () => {
    const runEnd = Math.max(...end);
    const L = area / runEnd;
    const W = totalWait / waits.length;
    const lambda = waits.length / s.duration_s;
    expect(L).toBeGreaterThan(0.1);
    expect(Math.abs(L - lambda * W) / L).toBeLessThan(0.01);
  });
});
