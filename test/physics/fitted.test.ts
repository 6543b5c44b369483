// The fitted constants (sim/physics/fitted.ts, written by npm run calibrate): the
// catalog holds exactly what the last fit wrote, the fit saw the measurement set as it
// is now, every value is inside its physical bounds, and single-user rows land within
// 25% of their published values on the catalog as it stands.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../scripts/calibration/fit.js';
import { readMeasurements } from '../../scripts/calibration/measurements.js';
import { nelderMead } from '../../scripts/calibration/optimizer.js';
import { simulateRow } from '../../scripts/calibration/simulate.js';
import { FITTED } from '../../sim/physics/fitted.js';
import { FIT_FAMILY } from '../../sim/physics/hardware.js';
import { HARDWARE } from '../../sim/physics/index.js';

const csvUrl = new URL('../../docs/measurements.csv', import.meta.url);

function valueAt(spec: object, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], spec);
}

describe('fitted constants', () => {
  it('were fitted to docs/measurements.csv as it is (edit the set, then rerun npm run calibrate)', () => {
    expect(FITTED.measurements_sha256).toBe(createHash('sha256').update(readFileSync(csvUrl, 'utf8')).digest('hex'));
  });

  it('are what the catalog holds, for every entry of every family', () => {
    for (const family of FAMILIES) {
      const fit = FITTED.families[family.name as keyof typeof FITTED.families];
      expect(Object.keys(fit.values).sort(), family.name).toEqual(family.parameters.map((p) => p.path).sort());
      for (const id of family.hardware) {
        expect(FIT_FAMILY[id], id).toBe(family.name);
        for (const p of family.parameters)
          expect(valueAt(HARDWARE[id]!, p.path), `${id} ${p.path}`).toBe(fit.values[p.path]);
      }
    }
  });

  it('lie within physical bounds: efficiencies in (0, 1], overheads ≥ 0', () => {
    for (const family of FAMILIES) {
      for (const p of family.parameters) {
        const v = FITTED.families[family.name as keyof typeof FITTED.families].values[p.path]!;
        if (p.kind === 'fraction') {
          expect(v, p.path).toBeGreaterThan(0);
          expect(v, p.path).toBeLessThanOrEqual(1);
        } else expect(v, p.path).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('fitted to the rows marked fit, and lowered the objective', () => {
    const rows = readMeasurements(csvUrl.pathname);
    for (const family of FAMILIES) {
      const fit = FITTED.families[family.name as keyof typeof FITTED.families];
      const expected = rows.filter((r) => r.use === 'fit' && family.hardware.includes(r.hardware)).map((r) => r.id);
      expect(fit.rows, family.name).toEqual(expected);
      expect(fit.objective_after, family.name).toBeLessThan(fit.objective_before);
    }
  });
});

describe('single-user rows on the catalog reproduce their published values within 25%', () => {
  const rows = readMeasurements(csvUrl.pathname);
  const sample = [
    'neuron-trn2-70b-tpot',
    'neuron-trn2-405b-tpot',
    'neuron-trn2-70b-user-tps',
    'neuron-trn2-405b-ttft',
    'nim1.8-h100-70b-tp2-5000-500-c1-ttft',
    'nim1.8-h100-70b-tp2-500-2000-c1-tpot',
    'trtllm0.9-h200-llama2-70b-tp4-128-ttft',
    'cerebras-cs3-8b-launch',
    'cerebras-cs3-70b-launch',
  ];
  for (const id of sample) {
    it(id, () => {
      const row = rows.find((r) => r.id === id)!;
      expect(row.arrival?.kind).toBe('single');
      const r = simulateRow(row);
      expect(Math.abs(r.error), `published ${r.published}, simulated ${r.simulated}`).toBeLessThanOrEqual(0.25);
    });
  }
});

describe('the optimizer', () => {
  const rosenbrock = (x: number[]) => (1 - x[0]!) ** 2 + 100 * (x[1]! - x[0]! ** 2) ** 2;
  it('finds the minimum of a bowl and of Rosenbrock’s valley from a fixed start', () => {
    const bowl = nelderMead((x) => (x[0]! - 3) ** 2 + 2 * (x[1]! + 1) ** 2 + (x[2]! - 0.5) ** 2, [0, 0, 0], 0.5, 600);
    expect(bowl.x[0]).toBeCloseTo(3, 3);
    expect(bowl.x[1]).toBeCloseTo(-1, 3);
    expect(bowl.x[2]).toBeCloseTo(0.5, 3);
    const valley = nelderMead(rosenbrock, [-1.2, 1], 0.5, 2000);
    expect(valley.x[0]).toBeCloseTo(1, 3);
    expect(valley.x[1]).toBeCloseTo(1, 3);
  });

  it('is deterministic and keeps to its budget', () => {
    const a = nelderMead(rosenbrock, [-1.2, 1], 0.5, 150);
    const b = nelderMead(rosenbrock, [-1.2, 1], 0.5, 150);
    expect(a).toEqual(b);
    // The last iteration may run past the budget by at most n + 1 (reflect, contract, shrink n).
    expect(a.evaluations).toBeLessThanOrEqual(150 + 2 + 1);
  });
});
