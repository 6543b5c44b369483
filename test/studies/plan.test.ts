// Capacity planning: the recommendation is checked by fresh runs of our own.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { paretoFrontier, runPlan } from '../../sim/studies/plan.js';
import { spawnSync } from 'node:child_process';

const root = join(import.meta.dirname, '../..');

/** Llama 3.1 8B on single H100s: small and fast to simulate. */
const base = {
  name: 'plan-base',
  seed: 5,
  duration_s: 150,
  warmup_s: 20,
  model: 'llama-3.1-8b',
  datacenter: {
    racks: [{ name: 'x', nodes: [{ hardware: 'h100-sxm', devices: 1, role: 'mixed' }] }],
    network: { kv_transfer: 'off' },
  },
  workload: {
    arrivals: { process: 'poisson', rate_per_s: 30 },
    prompt_tokens: { dist: 'lognormal', median: 1500, sigma: 0.6, max: 8000 },
    output_tokens: { dist: 'lognormal', median: 150, sigma: 0.6, max: 1000 },
  },
  scheduling: { router: 'least-work' },
  slo: { ttft_s: 0.5, tpot_s: 0.012, quantile: 0.95 },
};

describe('splitsim plan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-plan-'));
  writeFileSync(join(dir, 'base.json'), JSON.stringify(base));
  writeFileSync(
    join(dir, 'plan.json'),
    JSON.stringify({
      name: 'p',
      base: 'base.json',
      split: {
        prefill: { candidates: [{ hardware: 'h100-sxm', devices: 1 }], max_instances: 12 },
        decode: { candidates: [{ hardware: 'h100-sxm', devices: 1 }], max_instances: 12 },
      },
      goodput: true,
    }),
  );
  let result: Awaited<ReturnType<typeof runPlan>>;
  let rec: NonNullable<typeof result.recommended>;
  beforeAll(async () => {
    result = await runPlan(join(dir, 'plan.json'));
    rec = result.recommended!;
  });

  /** A fresh run (a seed the plan never used) of a split design. */
  const fresh = (np: number, nd: number, seed = 77) => {
    const s = structuredClone(base) as Record<string, any>;
    s.datacenter = {
      racks: [
        { name: 'prefill', nodes: [{ hardware: 'h100-sxm', devices: 1, count: np, role: 'prefill' }] },
        { name: 'decode', nodes: [{ hardware: 'h100-sxm', devices: 1, count: nd, role: 'decode' }] },
      ],
      network: { kv_transfer: 'off' },
    };
    return runScenario(checkScenario(s, join(dir, 'base.json')), { seed }).summary;
  };

  it('recommends a design, searching far fewer than the whole grid', () => {
    expect(rec.design.kind).toBe('split');
    expect(result.evaluations.filter((e) => e.stage === 'search').length).toBeLessThan((12 * 12) / 3);
  });

  it('the recommended datacenter meets the SLO on a fresh run', () => {
    const d = rec.design as Extract<typeof rec.design, { kind: 'split' }>;
    expect(fresh(d.prefillInstances, d.decodeInstances).slo_met).toBe(true);
  });

  it('removing one instance from either pool breaks it', () => {
    const d = rec.design as Extract<typeof rec.design, { kind: 'split' }>;
    // The problem is sized so that both pools need more than one instance.
    expect(d.prefillInstances).toBeGreaterThan(1);
    expect(d.decodeInstances).toBeGreaterThan(1);
    expect(fresh(d.prefillInstances - 1, d.decodeInstances).slo_met).toBe(false);
    expect(fresh(d.prefillInstances, d.decodeInstances - 1).slo_met).toBe(false);
    expect(result.why).toBeUndefined();
  });

  it('is the cheapest among the designs it found meeting the SLO, and on the Pareto frontier', () => {
    const meeting = result.evaluations.filter((e) => e.stage === 'search' && e.meets);
    for (const e of meeting) expect(e.summary.cost_per_hour_usd).toBeGreaterThanOrEqual(rec.summary.cost_per_hour_usd!);
    expect(paretoFrontier(result.evaluations, result.slo)).toContain(rec);
  });

  it('finds the highest rate the recommendation sustains: at or above the planned load', () => {
    expect(result.goodput_rps).toBeGreaterThanOrEqual(30);
  });

  it('runs from the command line and writes plan.arrow with every design evaluated', () => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin/splitsim.js'), 'plan', join(dir, 'plan.json'), '--out', join(dir, 'out')],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/recommended: \d+ h100-sxm×1 prefill \+ \d+ h100-sxm×1 decode/);
    const t = tableFromIPC(readFileSync(join(dir, 'out/p/plan.arrow')));
    expect(t.numRows).toBe(result.evaluations.length);
    const recommended = Array.from({ length: t.numRows }, (_, i) => t.getChild('recommended')?.get(i)).filter(Boolean);
    expect(recommended).toHaveLength(1);
    // Overloaded designs are marked (column and "!"); none of them meets the SLO.
    const overloaded = Array.from({ length: t.numRows }, (_, i) => i).filter(
      (i) => t.getChild('overloaded')?.get(i) === true,
    );
    for (const i of overloaded) expect(t.getChild('meets_slo')?.get(i)).toBe(false);
    if (overloaded.length > 0) expect(r.stdout).toMatch(/! overloaded/);
  });

  describe('with headroom 1.2', () => {
    // A base load at which the plain plan's answer is tight: 2 + 2 H100s meet the SLO at
    // 30 req/s and miss it at 1.2 × 30 = 36 (on the fitted physics; seed 77).
    const RATE = 30;
    const PLANNED = 1.2 * RATE;
    const base38 = structuredClone(base) as Record<string, any>;
    base38.workload.arrivals.rate_per_s = RATE;
    writeFileSync(join(dir, 'base38.json'), JSON.stringify(base38));
    const planFile = (name: string, extra: object) => {
      writeFileSync(
        join(dir, `${name}.json`),
        JSON.stringify({
          name,
          base: 'base38.json',
          split: {
            prefill: { candidates: [{ hardware: 'h100-sxm', devices: 1 }], max_instances: 12 },
            decode: { candidates: [{ hardware: 'h100-sxm', devices: 1 }], max_instances: 12 },
          },
          goodput: false,
          ...extra,
        }),
      );
      return join(dir, `${name}.json`);
    };
    let plain: NonNullable<Awaited<ReturnType<typeof runPlan>>['recommended']>;
    let margin: Awaited<ReturnType<typeof runPlan>>;
    let mrec: typeof plain;
    beforeAll(async () => {
      plain = (await runPlan(planFile('plain', {}))).recommended!;
      margin = await runPlan(planFile('margin', { headroom: 1.2, check_seeds: 3 }));
      mrec = margin.recommended!;
    });
    /** A fresh run at \`rate\` requests/s (a seed no plan used). */
    const at = (d: typeof mrec.design, rate: number, seed = 77) => {
      if (d.kind !== 'split') throw new Error('expected a split design');
      const s = structuredClone(base) as Record<string, any>;
      s.workload.arrivals.rate_per_s = rate;
      s.datacenter = {
        racks: [
          {
            name: 'prefill',
            nodes: [{ hardware: 'h100-sxm', devices: 1, count: d.prefillInstances, role: 'prefill' }],
          },
          { name: 'decode', nodes: [{ hardware: 'h100-sxm', devices: 1, count: d.decodeInstances, role: 'decode' }] },
        ],
        network: { kv_transfer: 'off' },
      };
      return runScenario(checkScenario(s, join(dir, 'base.json')), { seed }).summary;
    };

    it('judges every design at 1.2× the base rate', () => {
      expect(margin.planned_rate_per_s).toBeCloseTo(PLANNED, 10);
      for (const e of margin.evaluations) expect(e.rate_per_s).toBeCloseTo(PLANNED, 10);
    });

    it('the recommended design meets the SLO at 1.2× on an independent run', () => {
      expect(at(mrec.design, PLANNED).slo_met).toBe(true);
    });

    it("a design that meets at 1.0× but not at 1.2× (the plain plan's answer) is not recommended", () => {
      expect(at(plain.design, RATE).slo_met).toBe(true);
      expect(at(plain.design, PLANNED).slo_met).toBe(false);
      expect(JSON.stringify(mrec.design)).not.toBe(JSON.stringify(plain.design));
      expect(mrec.summary.cost_per_hour_usd).toBeGreaterThan(plain.summary.cost_per_hour_usd!);
    });

    it('checks the recommendation on 3 fresh seeds at the margin, meeting on each', () => {
      const checked = margin.checks.filter((c) => JSON.stringify(c.design) === JSON.stringify(mrec.design));
      expect(new Set(checked.map((c) => c.seed)).size).toBe(3);
      expect(checked.every((c) => c.meets && c.seed !== mrec.seed && c.rate_per_s === PLANNED)).toBe(true);
      // A design set aside was cheaper and missed the SLO on one of its check seeds.
      for (const r of margin.rejected) {
        expect(r.summary.cost_per_hour_usd).toBeLessThanOrEqual(mrec.summary.cost_per_hour_usd!);
        expect(margin.checks.some((c) => JSON.stringify(c.design) === JSON.stringify(r.design) && !c.meets)).toBe(true);
      }
    });
  });
});
