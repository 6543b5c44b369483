// Rack power budgets: a rack's instances' nameplate power (busy plus host) must fit
// its power_kw. One 8-GPU H100 instance is a DGX H100: 8 × (700 W + 575 W) = 10.2 kW,
// NVIDIA's rated maximum for the system.
import { describe, expect, it } from 'vitest';
import { checkScenario, InputError } from '../../sim/index.js';

function scenario(power_kw: number, count = 1, rackCount = 1) {
  return {
    name: 'rack-power',
    duration_s: 10,
    model: 'llama-3.1-70b',
    datacenter: {
      racks: [
        {
          name: 'gpu',
          count: rackCount,
          power_kw,
          nodes: [{ hardware: 'h100-sxm', devices: 8, count, role: 'mixed' }],
        },
        { name: 'free', nodes: [{ hardware: 'h100-sxm', devices: 8, count: 3, role: 'mixed' }] },
      ],
      network: { kv_transfer: 'off' },
    },
    workload: {
      arrivals: { process: 'poisson', rate_per_s: 1 },
      prompt_tokens: { dist: 'constant', value: 100 },
      output_tokens: { dist: 'constant', value: 10 },
    },
  };
}

function problems(value: unknown): string[] {
  try {
    checkScenario(value, 'rack.json');
    return [];
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

describe('racks[].power_kw', () => {
  it('holds a DGX H100 at exactly its rated 10.2 kW, and refuses it at 10.1 kW naming the rack', () => {
    expect(problems(scenario(10.2))).toEqual([]);
    const refused = problems(scenario(10.1));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(
      /^datacenter\.racks\[0\]\.power_kw: rack 'gpu' draws up to 10\.2 kW at nameplate .* over its budget of 10\.1 kW/,
    );
  });

  it('is a budget per copy of the rack: three copies of two instances need 20.4 kW each, not 61.2', () => {
    expect(problems(scenario(20.4, 2, 3))).toEqual([]);
    expect(problems(scenario(20.3, 2, 3))[0]).toMatch(/draws up to 20\.4 kW/);
  });

  it('a rack without a budget is not checked', () => {
    const s = scenario(10.2);
    delete (s.datacenter.racks[0] as { power_kw?: number }).power_kw;
    s.datacenter.racks[0]!.nodes[0]!.count = 50;
    expect(problems(s)).toEqual([]);
  });
});
