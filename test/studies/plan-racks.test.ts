// Rack power budgets in capacity planning: designs are packed into racks by nameplate
// power (one 1-GPU H100 instance: 700 W + 575 W of host = 1.275 kW; eight: 10.2 kW).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RackFit } from '../../sim/studies/plan-racks.js';
import { planRows, runPlan, type Design } from '../../sim/studies/plan.js';
import { smallPlanBase } from '../helpers/base-scenario.js';

const h100 = (devices: number) => ({ hardware: 'h100-sxm', devices });
const split = (np: number, nd: number): Design => ({
  kind: 'split',
  prefill: h100(1),
  decode: h100(8),
  prefillInstances: np,
  decodeInstances: nd,
});

describe('RackFit', () => {
  // 5 kW racks: three 1-GPU instances (3.825 kW) fit, a 10.2 kW 8-GPU instance does not.
  const fit = (maxRacks: number, kw = { prefill: 1.275, decode: 1.275 }) => new RackFit(5, maxRacks, () => kw);

  it('packs each pool into its own racks: 4 prefill + 5 decode of 1.275 kW need 2 + 2 racks of 5 kW', () => {
    expect(fit(10).racksUsed(split(4, 5))).toBe(4);
    expect(fit(4).unfit(split(4, 5))).toBeUndefined();
    expect(fit(3).unfit(split(4, 5))).toBe('needs 4 racks of 5 kW, more than max_racks (3)');
    // Beside 5 decode (2 racks), 3 racks leave one for 3 prefill instances.
    expect(fit(3).prefillRoom(split(1, 5))).toBe(3);
  });

  it("an instance over a rack's budget fits nowhere, with the reason", () => {
    const big = fit(10, { prefill: 1.275, decode: 10.2 });
    expect(big.racksUsed(split(1, 1))).toBe(Infinity);
    expect(big.unfit(split(1, 1))).toBe(
      "one decode instance draws 10.2 kW at nameplate, more than a rack's 5 kW (rack_power_kw)",
    );
    expect(big.prefillRoom(split(1, 1))).toBe(0);
  });
});

describe('splitsim plan with rack_power_kw and max_racks', () => {
  // 8 kW racks, one of them: six 1-GPU instances at most; the 8-GPU candidate (10.2 kW) is infeasible.
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-plan-racks-'));
  writeFileSync(join(dir, 'base.json'), JSON.stringify(smallPlanBase()));
  writeFileSync(
    join(dir, 'plan.json'),
    JSON.stringify({
      name: 'racks',
      base: 'base.json',
      mixed: { candidates: [h100(1), h100(8)], max_instances: 32 },
      rack_power_kw: 8,
      max_racks: 1,
      check_seeds: 1,
      goodput: false,
    }),
  );
  let result: Awaited<ReturnType<typeof runPlan>>;
  beforeAll(async () => {
    result = await runPlan(join(dir, 'plan.json'));
  });

  it('reports the candidate no rack can hold as infeasible, and never runs it', () => {
    expect(result.infeasible).toEqual([
      {
        design: '1 h100-sxm×8 colocated',
        reason: "one mixed instance draws 10.2 kW at nameplate, more than a rack's 8 kW (rack_power_kw)",
      },
    ]);
    expect(result.evaluations.some((e) => e.design.kind === 'mixed' && e.design.mixed.devices === 8)).toBe(false);
  });

  it('runs no design over the racks (at most 6 instances), and reports racks used per design', () => {
    expect(result.evaluations.length).toBeGreaterThan(0);
    for (const e of result.evaluations) {
      expect(e.design.kind === 'mixed' && e.design.instances).toBeLessThanOrEqual(6);
      expect(e.racks).toBe(1);
    }
    expect(result.recommended?.racks).toBe(1);
    expect(planRows(result).every((r) => r.racks_used === 1)).toBe(true);
  });
});
