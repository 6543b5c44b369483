// Power and energy by hand: a colocated H100 whose busy time is known from its
// requests' own times (the physics), against the catalog's published watts.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { column } from '../helpers/queueing.js';

// One H100 (catalog: TDP 700 W busy, 300 W decoding, 75 W idle, 575 W of host).
const IDLE = 75;
const BUSY = 700;
const DECODE = 300;
const HOST = 575;
const PUE = 1.25;
const USD_PER_KWH = 0.1;
const span = 100;

/** 8 users send one request each at t = 0 (think time past the end): with prefill-first
 * the prompts run as two passes, then the 8 decode together to the same last step. */
function run(hardware: unknown, faults?: unknown, warmup_s = 0) {
  return runScenario(
    checkScenario(
      {
        ...(faults ? { faults } : {}),
        name: 'power-hand',
        seed: 1,
        duration_s: span,
        warmup_s,
        model: 'llama-3.1-8b',
        datacenter: {
          racks: [{ name: 'r', nodes: [{ hardware, devices: 1, count: 1, role: 'mixed' }] }],
          network: { kv_transfer: 'off' },
          pue: PUE,
          electricity_usd_per_kwh: USD_PER_KWH,
        },
        workload: {
          arrivals: { process: 'closed', users: 8, think_s: { dist: 'constant', value_s: 10_000 } },
          prompt_tokens: { dist: 'constant', value: 500 },
          output_tokens: { dist: 'constant', value: 200 },
        },
        scheduling: { router: 'least-work', mixed_policy: 'prefill-first' },
        metrics: { window_s: 10 },
      },
      'power-hand.json',
    ),
  );
}

describe('energy of one instance busy for a known part of a known span', () => {
  let r: ReturnType<typeof run>;
  let prefill_s: number;
  let busy_s: number;
  beforeAll(() => {
    r = run('h100-sxm');
    // The instance computes prompts from 0 until the last first token, then decodes
    // alone until the last completion; idle after.
    prefill_s = Math.max(...column(r.tables.requests, 'first_token_s'));
    busy_s = Math.max(...column(r.tables.requests, 'completion_s'));
  });

  it('ran as planned: all 8 completed, well inside the span', () => {
    expect(r.summary.completed).toBe(8);
    expect(busy_s).toBeGreaterThan(prefill_s);
    expect(busy_s).toBeLessThan(span / 2);
  });

  it('energy_kwh = (host + idle + (busy − idle)·prefill + (decode − idle)·decode-only)·span·PUE', () => {
    const it_J = (HOST + IDLE) * span + (BUSY - IDLE) * prefill_s + (DECODE - IDLE) * (busy_s - prefill_s);
    expect(r.summary.energy_kwh! / ((it_J * PUE) / 3.6e6)).toBeCloseTo(1, 9);
    expect(r.summary.joules_per_output_token! / ((it_J * PUE) / (8 * 200))).toBeCloseTo(1, 9);
    expect(
      r.summary.electricity_cost_per_hour_usd! / (((it_J * PUE) / 3.6e6) * USD_PER_KWH * (3600 / span)),
    ).toBeCloseTo(1, 9);
    expect(
      r.summary.electricity_cost_per_mtok_usd! / (((((it_J * PUE) / 3.6e6) * USD_PER_KWH) / (8 * 200)) * 1e6),
    ).toBeCloseTo(1, 9);
  });

  it('nodes.arrow power_w_mean integrates to the same IT energy; an idle window draws host + idle', () => {
    const power = column(r.tables.nodes, 'power_w_mean');
    const start = column(r.tables.nodes, 'window_start_s');
    const end = column(r.tables.nodes, 'window_end_s');
    const it_J = power.reduce((a, p, i) => a + p * (end[i]! - start[i]!), 0);
    expect((it_J * PUE) / 3.6e6 / r.summary.energy_kwh!).toBeCloseTo(1, 9);
    expect(power.at(-1)).toBeCloseTo(HOST + IDLE, 9);
    // The first window holds the prompts: the highest, and the summary's peak (× PUE).
    expect(r.summary.peak_power_kw! / ((Math.max(...power) * PUE) / 1000)).toBeCloseTo(1, 12);
    expect(Math.max(...power)).toBe(power[0]);
  });

  it("pools.arrow: each pool row carries its instances' power (the colocated one in both)", () => {
    const pools = column(r.tables.pools, 'power_w_mean');
    const nodes = column(r.tables.nodes, 'power_w_mean');
    expect(pools.length).toBe(2 * nodes.length);
    nodes.forEach((p, k) => {
      expect(pools[2 * k]).toBeCloseTo(p, 9);
      expect(pools[2 * k + 1]).toBeCloseTo(p, 9);
    });
  });
});

describe('one busy power: idle + (busy − idle) × busy fraction', () => {
  // Decode drawing as prefill: the brief's formula with no phase split.
  let r: ReturnType<typeof run>;
  let busy_s: number;
  beforeAll(() => {
    r = run({ id: 'h100-flat', base: 'h100-sxm', decode_power_w: BUSY });
    busy_s = Math.max(...column(r.tables.requests, 'completion_s'));
  });

  it('energy_kwh = (host + idle + (busy − idle)·fraction)·span·PUE', () => {
    const fraction = busy_s / span;
    expect(r.summary.energy_kwh! / (((HOST + IDLE + (BUSY - IDLE) * fraction) * span * PUE) / 3.6e6)).toBeCloseTo(1, 9);
  });
});

describe('the measured period', () => {
  it('is [warmup_s, duration_s]: with all the work in the warm-up, energy is host + idle over the rest', () => {
    const r = run('h100-sxm', undefined, 60);
    expect(Math.max(...column(r.tables.requests, 'completion_s'))).toBeLessThan(60);
    expect(r.summary.energy_kwh! / (((HOST + IDLE) * (span - 60) * PUE) / 3.6e6)).toBeCloseTo(1, 12);
    // The peak is over windows inside the period only (the busy first window is not).
    expect(r.summary.peak_power_kw!).toBeCloseTo(((HOST + IDLE) * PUE) / 1000, 12);
    // No measured request, no tokens to divide by.
    expect(r.summary.joules_per_output_token).toBeNull();
  });
});

describe('a split datacenter', () => {
  it('charges a prefill instance busy power and a decode instance decode power, by its busy fraction', () => {
    const r = runScenario(
      checkScenario(
        {
          name: 'power-split',
          duration_s: 30,
          model: 'llama-3.1-8b',
          datacenter: {
            racks: [
              {
                name: 'r',
                nodes: [
                  { hardware: 'h100-sxm', devices: 1, role: 'prefill' },
                  { hardware: 'h100-sxm', devices: 1, role: 'decode' },
                ],
              },
            ],
            network: { kv_transfer: 'off' },
          },
          workload: {
            arrivals: { process: 'poisson', rate_per_s: 4 },
            prompt_tokens: { dist: 'constant', value: 2000 },
            output_tokens: { dist: 'constant', value: 100 },
          },
          metrics: { window_s: 5 },
        },
        'split.json',
      ),
    );
    const role = r.tables.nodes.getChild('role')!;
    const busy = column(r.tables.nodes, 'busy_frac');
    const power = column(r.tables.nodes, 'power_w_mean');
    let checked = 0;
    power.forEach((p, i) => {
      const draw = role.get(i) === 'prefill' ? BUSY : DECODE;
      expect(p).toBeCloseTo(HOST + IDLE + (draw - IDLE) * busy[i]!, 9);
      if (busy[i]! > 0.05) checked++;
    });
    expect(checked).toBeGreaterThan(4);
  });
});

describe('a failed instance', () => {
  it('draws idle and host power while down (assumption: it stays powered until repaired)', () => {
    const r = run('h100-sxm', { instances: [{ instance: 'r-0/mixed-0', at_s: 60, repair_s: 10 }] });
    const up = column(r.tables.nodes, 'up_frac');
    const power = column(r.tables.nodes, 'power_w_mean');
    expect(up[6]).toBe(0);
    expect(power[6]).toBeCloseTo(HOST + IDLE, 9);
  });
});

describe('queueing mode has no hardware, hence no power', () => {
  it('energy, power and their costs are null', () => {
    const r = runScenario(
      checkScenario(
        {
          name: 'q',
          duration_s: 20,
          datacenter: {
            racks: [
              {
                name: 'r',
                nodes: [
                  {
                    role: 'mixed',
                    service: {
                      prefill: { dist: 'deterministic', value_s: 0.1 },
                      decode: { dist: 'deterministic', value_s: 0.1 },
                    },
                  },
                ],
              },
            ],
            network: { kv_transfer: 'off' },
          },
          workload: {
            arrivals: { process: 'deterministic', rate_per_s: 1 },
            prompt_tokens: { dist: 'constant', value: 10 },
            output_tokens: { dist: 'constant', value: 10 },
          },
        },
        'q.json',
      ),
    );
    expect(r.summary.energy_kwh).toBeNull();
    expect(r.summary.peak_power_kw).toBeNull();
    expect(r.summary.electricity_cost_per_hour_usd).toBeNull();
    expect(column(r.tables.nodes, 'power_w_mean').every(Number.isNaN)).toBe(true);
  });
});
