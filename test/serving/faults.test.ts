// Fault injection: outcomes that can be computed by hand, and invariants under random failures.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { MODELS } from '../../sim/physics/index.js';
import { expectRunConserved } from '../helpers/conservation.js';
import { column, roundTrip } from '../helpers/queueing.js';

/**
 * One request arriving at t = 1 s; one prefill instance taking exactly 1 s and one
 * decode instance taking exactly 2 s (queueing mode, instant hand-off). Without
 * faults it completes at 4 s.
 */
function single(faults: object | undefined, rate = 1, duration_s = 1.5) {
  return checkScenario(
    {
      name: 'faults',
      duration_s,
      drain_s: 100,
      datacenter: {
        racks: [
          { name: 'pre', nodes: [{ role: 'prefill', service: { prefill: { dist: 'deterministic', value_s: 1 } } }] },
          { name: 'dec', nodes: [{ role: 'decode', service: { decode: { dist: 'deterministic', value_s: 2 } } }] },
        ],
        network: { kv_transfer: 'off' },
      },
      workload: {
        arrivals: { process: 'deterministic', rate_per_s: rate },
        prompt_tokens: { dist: 'constant', value: 100 },
        output_tokens: { dist: 'constant', value: 10 },
      },
      scheduling: { router: 'jsq' },
      ...(faults ? { faults } : {}),
    },
    'faults.json',
  );
}

function only(result: ReturnType<typeof runScenario>) {
  const t = roundTrip(result.tables.requests);
  expect(t.numRows).toBe(1);
  const get = (c: string) => t.getChild(c)?.get(0);
  return { t, get, summary: result.summary };
}

describe('instance failures at known times', () => {
  it('without faults the request completes at 4 s, availability 1', () => {
    const { get, summary } = only(runScenario(single(undefined)));
    expect(get('completion_s')).toBe(4);
    expect(get('retries')).toBe(0);
    expect(summary.availability).toBe(1);
    expect(summary.instance_failures).toBe(0);
  });

  it('a request arriving while its only prefill instance is down waits exactly the rest of the repair', () => {
    // Down over [0.5, 10.5): the request arrives at 1 and starts at 10.5.
    const { get } = only(
      runScenario(single({ instances: [{ instance: 'pre-0/prefill-0', at_s: 0.5, repair_s: 10 }] })),
    );
    expect(get('prefill_start_s')).toBe(10.5);
    expect(get('completion_s')).toBe(4 + 9.5);
    expect(get('retries')).toBe(0);
  });

  it('a failure during prefill costs the repair time plus the work lost, and counts one retry', () => {
    // Prefill runs [1, 2); the instance fails at 1.25 and is back at 11.25: prefill again.
    const { get, summary } = only(
      runScenario(single({ instances: [{ instance: 'pre-0/prefill-0', at_s: 1.25, repair_s: 10 }] })),
    );
    expect(get('prefill_start_s')).toBe(11.25);
    expect(get('first_token_s')).toBe(12.25);
    expect(get('completion_s') - 4).toBeCloseTo(10 + 0.25, 12);
    expect(get('retries')).toBe(1);
    expect(summary.requests_retried).toBe(1);
    expect(summary.requests_affected).toBe(1);
    expect(summary.instance_failures).toBe(1);
  });

  it('a decode failure loses the KV: the request prefills again, then waits for a decoder', () => {
    // Decode runs [2, 4); fails at 3, back at 13. Prefill again [3, 4), decode [13, 15).
    const { get } = only(runScenario(single({ instances: [{ instance: 'dec-0/decode-0', at_s: 3, repair_s: 10 }] })));
    expect(get('first_token_s')).toBe(2); // the first token was streamed before the failure
    expect(get('prefill_start_s')).toBe(3);
    expect(get('decode_start_s')).toBe(13);
    expect(get('completion_s')).toBe(15);
    expect(get('completion_s') - 4).toBe(10 + 1); // repair + the decode work lost
    expect(get('retries')).toBe(1);
    expect(get('decode_node')).toBe('dec-0/decode-0');
  });

  it('past max_retries the request is rejected with the cause, and nothing is lost', () => {
    const { get, summary } = only(
      runScenario(single({ max_retries: 0, instances: [{ instance: 'pre-0/prefill-0', at_s: 1.25, repair_s: 10 }] })),
    );
    expect(get('status')).toBe('rejected');
    expect(get('reason')).toBe('instance pre-0/prefill-0 failed at 1.25 s; retry limit (0) reached');
    expect(summary.rejected).toBe(1);
    expect(summary.requests).toBe(1);
  });

  it('overlapping outages of one instance keep it down until the last repair', () => {
    const r = runScenario(
      single({
        instances: [{ instance: 'pre-0/prefill-0', at_s: 0.5, repair_s: 5 }],
        racks: [{ rack: 'pre-0', at_s: 2, repair_s: 8 }],
      }),
    );
    expect(only(r).get('prefill_start_s')).toBe(10);
    expect(r.summary.instance_failures).toBe(1);
    // Down [0.5, 10) of the 1.5 s measured interval [0, 1.5): 1 of 2 instances down for 1 s.
    expect(r.summary.availability).toBeCloseTo(1 - 1 / (2 * 1.5), 12);
  });

  it('a rack outage takes down every instance in it; availability is the up-time fraction', () => {
    const s = checkScenario(
      {
        name: 'rack-outage',
        duration_s: 200,
        datacenter: {
          racks: [
            {
              name: 'pre',
              count: 2,
              nodes: [{ count: 2, role: 'prefill', service: { prefill: { dist: 'exponential', mean_s: 0.5 } } }],
            },
            {
              name: 'dec',
              nodes: [{ count: 1, role: 'decode', service: { decode: { dist: 'exponential', mean_s: 0.2 } } }],
            },
          ],
          network: { kv_transfer: 'off' },
        },
        workload: {
          arrivals: { process: 'poisson', rate_per_s: 2 },
          prompt_tokens: { dist: 'constant', value: 10 },
          output_tokens: { dist: 'constant', value: 5 },
        },
        scheduling: { router: 'jsq' },
        faults: { racks: [{ rack: 'pre-1', at_s: 50, repair_s: 30 }] },
      },
      'rack.json',
    );
    const r = runScenario(s);
    expect(r.summary.instance_failures).toBe(2);
    expect(r.summary.availability).toBeCloseTo(1 - (2 * 30) / (5 * 200), 12);
    expect(r.summary.completed).toBe(r.summary.requests);
    // No request ran on the failed rack while it was down.
    const t = r.tables.requests;
    const node = t.getChild('prefill_node');
    const start = column(t, 'prefill_start_s');
    for (let i = 0; i < t.numRows; i++) {
      if (String(node?.get(i)).startsWith('pre-1/')) expect(start[i]! < 50 || start[i]! >= 80).toBe(true);
    }
    // nodes.arrow: pre-1's instances are down for windows 5–7 (10 s windows).
    const nodes = roundTrip(r.tables.nodes);
    const up = column(nodes, 'up_frac');
    for (let i = 0; i < nodes.numRows; i++) {
      const down =
        String(nodes.getChild('node')?.get(i)).startsWith('pre-1/') &&
        [5, 6, 7].includes(Math.round(column(nodes, 'window_start_s')[i]! / 10));
      expect(up[i]).toBe(down ? 0 : 1);
    }
  });
});

// The rule for events at one instant (sim/engine/event-order.ts; docs/model.md).
describe('simultaneous events: faults, then completions, then arrivals', () => {
  it('I10 simultaneous events: a failure at the instant a decode ends displaces the request (the failure fires first)', () => {
    // Decode runs [2, 4); the decoder fails at exactly 4 and is back at 14: the request
    // prefills again [4, 5) and decodes [14, 16).
    const { get } = only(runScenario(single({ instances: [{ instance: 'dec-0/decode-0', at_s: 4, repair_s: 10 }] })));
    expect(get('retries')).toBe(1);
    expect(get('decode_start_s')).toBe(14);
    expect(get('completion_s')).toBe(16);
    // One ulp later the decode has ended: the failure finds nothing to displace.
    const later = only(
      runScenario(single({ instances: [{ instance: 'dec-0/decode-0', at_s: 4 + 2 ** -50, repair_s: 10 }] })),
    );
    expect(later.get('retries')).toBe(0);
    expect(later.get('completion_s')).toBe(4);
  });

  it('I10 simultaneous events: a repair at the instant a request arrives lets the router use the repaired instance (the repair fires first)', () => {
    // Two prefill instances taking 1.5 s; arrivals at 1 and 2. Request 0 takes pre-0
    // over [1, 2.5); pre-1 is down over [0.5, 2). Request 1 arrives at exactly 2, when
    // pre-1 is back: it starts there at once instead of waiting for pre-0.
    const r = runScenario(
      checkScenario(
        {
          name: 'repair-at-arrival',
          duration_s: 2.5,
          drain_s: 100,
          datacenter: {
            racks: [
              {
                name: 'pre',
                nodes: [{ count: 2, role: 'prefill', service: { prefill: { dist: 'deterministic', value_s: 1.5 } } }],
              },
              { name: 'dec', nodes: [{ role: 'decode', service: { decode: { dist: 'deterministic', value_s: 2 } } }] },
            ],
            network: { kv_transfer: 'off' },
          },
          workload: {
            arrivals: { process: 'deterministic', rate_per_s: 1 },
            prompt_tokens: { dist: 'constant', value: 100 },
            output_tokens: { dist: 'constant', value: 10 },
          },
          scheduling: { router: 'jsq' },
          faults: { instances: [{ instance: 'pre-0/prefill-1', at_s: 0.5, repair_s: 1.5 }] },
        },
        'faults.json',
      ),
    );
    const t = roundTrip(r.tables.requests);
    expect(t.numRows).toBe(2);
    expect(column(t, 'prefill_start_s')).toEqual([1, 2]);
    expect(t.getChild('prefill_node')?.get(1)).toBe('pre-0/prefill-1');
  });
});

describe('random failures', () => {
  it('long-run availability is MTBF / (MTBF + MTTR)', () => {
    // 200 instances × ~16 up/down cycles: the estimate's standard error is about 0.004.
    const s = checkScenario(
      {
        name: 'availability',
        duration_s: 2000,
        drain_s: 1,
        datacenter: {
          racks: [
            {
              name: 'pre',
              nodes: [{ count: 100, role: 'prefill', service: { prefill: { dist: 'deterministic', value_s: 0.1 } } }],
            },
            {
              name: 'dec',
              nodes: [{ count: 100, role: 'decode', service: { decode: { dist: 'deterministic', value_s: 0.1 } } }],
            },
          ],
          network: { kv_transfer: 'off' },
        },
        workload: {
          arrivals: { process: 'poisson', rate_per_s: 1 },
          prompt_tokens: { dist: 'constant', value: 10 },
          output_tokens: { dist: 'constant', value: 5 },
        },
        faults: { random: [{ mtbf_s: 100, mttr_s: 25 }] },
      },
      'availability.json',
    );
    const r = runScenario(s);
    expect(Math.abs(r.summary.availability! - 0.8)).toBeLessThan(0.02);
    expect(r.summary.instance_failures).toBeGreaterThan(2500);
    expectRunConserved(r);
  });
});

const MODEL = MODELS['llama-3.1-70b']!;

/** Every request has the same retries and completion time (to 1e-9) in both runs. */
function expectSameOutcomes(a: ReturnType<typeof runScenario>, b: ReturnType<typeof runScenario>): void {
  const outcomes = (r: ReturnType<typeof runScenario>) => {
    const t = r.tables.requests;
    const id = column(t, 'request_id');
    const done = column(t, 'completion_s');
    const retries = column(t, 'retries');
    return new Map(
      Array.from({ length: t.numRows }, (_, i) => [
        id[i] as number,
        [done[i] as number, retries[i] as number] as const,
      ]),
    );
  };
  const ma = outcomes(a);
  const mb = outcomes(b);
  expect(mb.size).toBe(ma.size);
  for (const [id, [done, retries]] of ma) {
    const [d2, r2] = mb.get(id)!;
    expect(r2, `request ${id} retries`).toBe(retries);
    if (Number.isNaN(done)) expect(Number.isNaN(d2)).toBe(true);
    else expect(Math.abs(d2 - done), `request ${id}`).toBeLessThan(1e-9 * Math.max(1, done));
  }
}

/** trn2 prefill and CS-3 decode racks across a spine (as in the hand-off tests). */
function split(o: {
  rate: number;
  duration_s: number;
  faults?: object;
  stepping?: string;
  prompt?: object;
  output?: object;
}) {
  return checkScenario(
    {
      name: 'split-faults',
      seed: 3,
      duration_s: o.duration_s,
      drain_s: 600,
      model: MODEL.id,
      datacenter: {
        racks: [
          {
            name: 'trn',
            count: 2,
            uplink_gbps: 1200,
            nodes: [{ hardware: 'trn2.48xlarge', count: 2, role: 'prefill' }],
          },
          { name: 'cs3', uplink_gbps: 1200, nodes: [{ hardware: 'cs3', devices: 4, count: 2, role: 'decode' }] },
        ],
        network: { kv_transfer: 'network', spine_gbps: 25_600, latency_us: 10 },
      },
      workload: {
        arrivals: { process: o.rate === 1 ? 'deterministic' : 'poisson', rate_per_s: o.rate },
        prompt_tokens: o.prompt ?? { dist: 'constant', value: 8192 },
        output_tokens: o.output ?? { dist: 'constant', value: 10 },
      },
      scheduling: { router: 'least-work', decode_stepping: o.stepping ?? 'fast-forward' },
      ...(o.faults ? { faults: o.faults } : {}),
    },
    'split.json',
  );
}

describe('link failures', () => {
  it('a transfer crossing a failed link stalls for exactly the outage', () => {
    const base = only(runScenario(split({ rate: 1, duration_s: 1.5 })));
    const start = base.get('first_token_s') + base.get('transfer_queue_s');
    const T = base.get('transfer_s');
    const src = String(base.get('prefill_node')).split('/')[0];
    const failed = only(
      runScenario(
        split({
          rate: 1,
          duration_s: 1.5,
          faults: { links: [{ link: `${src}/uplink`, at_s: start + T / 2, repair_s: 0.25 }] },
        }),
      ),
    );
    expect(failed.get('transfer_s')).toBeCloseTo(T + 0.25, 9);
    expect(failed.get('retries')).toBe(0);
    expect(failed.get('link_stalls')).toBe(1);
    expect(failed.summary.requests_affected).toBe(1);
    expect(failed.summary.requests_retried).toBe(0);
    expect(base.get('link_stalls')).toBe(0);
    // A transfer that starts while the link is down waits for the rest of the outage.
    const early = only(
      runScenario(
        split({
          rate: 1,
          duration_s: 1.5,
          faults: { links: [{ link: `${src}/uplink`, at_s: start - 0.01, repair_s: 0.25 }] },
        }),
      ),
    );
    expect(early.get('transfer_s')).toBeCloseTo(T + 0.24, 9);
    expect(early.get('link_stalls')).toBe(1);
    expect(failed.get('completion_s') - base.get('completion_s')).toBeCloseTo(0.25, 9);
  });
});

describe('failures on the performance model', () => {
  const faults = {
    random: [
      { role: 'decode', mtbf_s: 20, mttr_s: 5 },
      { role: 'prefill', mtbf_s: 40, mttr_s: 5 },
    ],
  };
  const args = {
    rate: 20,
    duration_s: 120,
    faults,
    prompt: { dist: 'lognormal', median: 2048, sigma: 0.8, max: 16384 },
    output: { dist: 'uniform', min: 1, max: 2000 },
  };
  let ff: ReturnType<typeof runScenario>;
  beforeAll(() => {
    ff = runScenario(split(args));
  });

  it('I1 I3 I8: displace requests, conserve them and keep KV and links within capacity', () => {
    const s = ff.summary;
    expect(s.instance_failures as number).toBeGreaterThan(10);
    expect(s.requests_retried as number).toBeGreaterThan(0);
    expectRunConserved(ff);
    const t = ff.tables.requests;
    const retries = column(t, 'retries');
    const status = t.getChild('status');
    const reason = t.getChild('reason');
    for (let i = 0; i < t.numRows; i++) {
      if (status?.get(i) === 'rejected' && String(reason?.get(i)).includes('retry limit')) expect(retries[i]).toBe(4);
      else expect(retries[i]).toBeLessThanOrEqual(3);
    }
    expect(s.retries as number).toBeGreaterThanOrEqual(s.requests_retried as number);
    // KV and link capacity (also checked by invariants as the run goes).
    for (const f of column(ff.tables.nodes, 'kv_used_frac')) expect(f).toBeLessThanOrEqual(1 + 1e-9);
    for (const u of column(ff.tables.links, 'util_frac')) expect(u).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('I6 fast-forward = exact: the same requests as exact stepping under failures', () => {
    expectSameOutcomes(ff, runScenario(split({ ...args, stepping: 'exact' })));
  });
});

describe('failures across serving modes', () => {
  const cases: Array<[string, (stepping: string) => ReturnType<typeof checkScenario>]> = [
    [
      'pool-fcfs split',
      (stepping) =>
        checkScenario(
          {
            name: 'fcfs',
            seed: 9,
            duration_s: 60,
            drain_s: 600,
            model: MODEL.id,
            datacenter: {
              racks: [
                { name: 'trn', uplink_gbps: 800, nodes: [{ hardware: 'trn2.48xlarge', count: 3, role: 'prefill' }] },
                { name: 'cs3', uplink_gbps: 800, nodes: [{ hardware: 'cs3', devices: 4, count: 2, role: 'decode' }] },
              ],
              network: { kv_transfer: 'network', latency_us: 10 },
            },
            workload: {
              arrivals: { process: 'poisson', rate_per_s: 15 },
              prompt_tokens: { dist: 'lognormal', median: 3000, sigma: 0.7, max: 16384 },
              output_tokens: { dist: 'uniform', min: 1, max: 1500 },
            },
            scheduling: { router: 'pool-fcfs', decode_stepping: stepping },
            faults: { random: [{ mtbf_s: 15, mttr_s: 4 }], links: [{ link: 'trn-0/uplink', at_s: 20, repair_s: 3 }] },
          },
          'fcfs.json',
        ),
    ],
    [
      'colocated H100',
      (stepping) =>
        checkScenario(
          {
            name: 'colocated',
            seed: 4,
            duration_s: 60,
            drain_s: 600,
            model: MODEL.id,
            datacenter: {
              racks: [{ name: 'h100', nodes: [{ hardware: 'h100-sxm', devices: 8, count: 3, role: 'mixed' }] }],
              network: { kv_transfer: 'off' },
            },
            workload: {
              arrivals: { process: 'poisson', rate_per_s: 3 },
              prompt_tokens: { dist: 'lognormal', median: 1500, sigma: 0.7, max: 8192 },
              output_tokens: { dist: 'uniform', min: 1, max: 300 },
            },
            scheduling: { router: 'jsq', decode_stepping: stepping },
            faults: { random: [{ mtbf_s: 20, mttr_s: 5 }] },
          },
          'colocated.json',
        ),
    ],
  ];
  for (const [name, make] of cases) {
    it(`I1 I6 ${name}: conserved, retried, and fast-forward equals exact stepping`, () => {
      const ff = runScenario(make('fast-forward'));
      const exact = runScenario(make('exact'));
      const s = ff.summary;
      expectRunConserved(ff);
      expect(s.requests_retried as number).toBeGreaterThan(0);
      expectSameOutcomes(ff, exact);
    });
  }
});

describe('scenarios/faults/aws-split-wafer-outage.json', () => {
  it('validates, and degrades the AWS split it is copied from', async () => {
    const { loadScenario } = await import('../../sim/index.js');
    const { join } = await import('node:path');
    const root = join(import.meta.dirname, '../..');
    const outage = runScenario(loadScenario(join(root, 'scenarios/faults/aws-split-wafer-outage.json')));
    const base = runScenario(loadScenario(join(root, 'scenarios/aws-split-llama70b.json')));
    const o = outage.summary;
    const b = base.summary;
    expect(o.requests).toBe(b.requests); // same arrivals (common random numbers)
    expectRunConserved(outage);
    expect(o.availability as number).toBeLessThan(1);
    expect(o.requests_retried as number).toBeGreaterThan(0);
    expect(o.ttft_p99_s as number).toBeGreaterThan(b.ttft_p99_s as number);
    expect(o.slo_attainment as number).toBeLessThan(b.slo_attainment as number);
    expect(b.availability).toBe(1);
  });
});

describe('rack-aware routing around a failed link', () => {
  it('sends no hand-off across a failed downlink while it is down', () => {
    const s = checkScenario(
      {
        name: 'steer',
        seed: 6,
        duration_s: 40,
        drain_s: 600,
        model: MODEL.id,
        datacenter: {
          racks: [
            { name: 'trn', uplink_gbps: 1200, nodes: [{ hardware: 'trn2.48xlarge', count: 2, role: 'prefill' }] },
            { name: 'cs3', count: 2, uplink_gbps: 1200, nodes: [{ hardware: 'cs3', devices: 4, role: 'decode' }] },
          ],
          network: { kv_transfer: 'network', spine_gbps: 25_600, latency_us: 10 },
        },
        workload: {
          arrivals: { process: 'poisson', rate_per_s: 8 },
          prompt_tokens: { dist: 'constant', value: 2048 },
          output_tokens: { dist: 'constant', value: 50 },
        },
        scheduling: { prefill_router: 'least-work', decode_router: 'rack-aware' },
        faults: { links: [{ link: 'cs3-0/downlink', at_s: 10, repair_s: 20 }] },
      },
      'steer.json',
    );
    const t = runScenario(s).tables.requests;
    const node = t.getChild('decode_node')!;
    // The router chooses when prefill ends (the first token).
    const routed = column(t, 'first_token_s');
    let during = 0;
    let before = 0;
    for (let i = 0; i < t.numRows; i++) {
      if (routed[i]! > 10 && routed[i]! < 30) {
        during++;
        expect(node.get(i)).toBe('cs3-1/decode-0');
      } else if (routed[i]! < 10 && node.get(i) === 'cs3-0/decode-0') before++;
    }
    expect(during).toBeGreaterThan(100);
    expect(before).toBeGreaterThan(10); // both racks were used before the outage
  });
});
