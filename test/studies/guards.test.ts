// Study files without bounds or guards: huge grids, prototype keys, shards of different
// sweeps, truncated shards, plan candidates, and `validate` on sweeps and plans.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../sim/cli/main.js';
import { InputError } from '../../sim/index.js';
import { setAtPath } from '../../sim/studies/field-path.js';
import { loadPlan } from '../../sim/studies/plan.js';
import { allPoints, loadSweep, MAX_SWEEP_RUNS, pointValues, runsOf, samplePoints } from '../../sim/studies/sweep.js';
import { mergeSweep, runSweep } from '../../sim/studies/sweep-command.js';
import { tableFromRows } from '../../sim/metrics/arrow.js';
import { formatPoints } from '../../sim/cli/format.js';
import { baseScenario } from '../helpers/base-scenario.js';

function setup(sweep: object, base: object = { ...baseScenario(), duration_s: 30, warmup_s: 5 }) {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-guards-'));
  writeFileSync(join(dir, 'base.json'), JSON.stringify(base));
  writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ name: 'g', base: 'base.json', ...sweep }));
  return dir;
}

const inputError = (f: () => unknown): InputError => {
  try {
    f();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('no input error');
};

const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);
/** A 400 × 400 grid: 400 arrival rates × 400 seeds. */
const grid400 = { vary: { 'workload.arrivals.rate_per_s': range(400).map((i) => i / 100), seed: range(400) } };

describe('the size of a sweep', () => {
  it('a huge replications is refused, naming the field and the bound, before anything is built', () => {
    const dir = setup({ vary: { seed: [1, 2] }, replications: 10_000_000 });
    const err = inputError(() => loadSweep(join(dir, 'sweep.json')));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]?.path).toBe('replications');
    expect(err.problems[0]?.message).toMatch(
      /^2 points × 10,000,000 replications = 20,000,000 runs would be more than the 250,000 runs a sweep may hold/,
    );
  });

  it('a huge grid is refused naming vary; one run over the bound is too, one at it is not', () => {
    const dir = setup({ vary: { seed: range(1000), 'workload.arrivals.rate_per_s': range(1000) } });
    expect(inputError(() => loadSweep(join(dir, 'sweep.json'))).message).toMatch(
      /vary: a grid of 1,000 × 1,000 points is more than the 250,000 runs/,
    );
    const atBound = setup({ vary: { seed: range(500) }, replications: MAX_SWEEP_RUNS / 500 });
    expect(loadSweep(join(atBound, 'sweep.json')).runCount).toBe(MAX_SWEEP_RUNS);
    const over = setup({ vary: { seed: range(500) }, replications: MAX_SWEEP_RUNS / 500 + 1 });
    expect(inputError(() => loadSweep(join(over, 'sweep.json'))).problems[0]?.path).toBe('replications');
  });

  it('a 400 × 400 grid in 100,000 shards: each shard builds only its own runs, and together they hold every run once', () => {
    const plan = loadSweep(join(setup(grid400), 'sweep.json'));
    expect(plan.runCount).toBe(160_000);
    expect(runsOf(plan, { k: 1, n: 100_000 }).map((r) => r.index)).toEqual([0, 100_000]);
    expect(runsOf(plan, { k: 100_000, n: 100_000 }).map((r) => r.index)).toEqual([99_999]);
    // Every run in exactly one of 7 shards.
    const seen = new Uint8Array(plan.runCount);
    for (let k = 1; k <= 7; k++)
      for (const r of runsOf(plan, { k, n: 7 })) seen[r.index] = (seen[r.index] as number) + 1;
    expect(seen.every((c) => c === 1)).toBe(true);
    // A run's point values are those of the point-major enumeration (first path slowest).
    expect(pointValues(plan, 401)).toEqual({ 'workload.arrivals.rate_per_s': 0.02, seed: 2 });
    expect(allPoints(plan)[159_999]).toEqual({ 'workload.arrivals.rate_per_s': 4, seed: 400 });
  });

  it('a shard of the 400 × 400 grid runs from the command line and writes only its runs', async () => {
    const dir = setup(grid400);
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const status = await main([
      'sweep',
      join(dir, 'sweep.json'),
      '--out',
      join(dir, 'out'),
      '--quiet',
      '--workers',
      '1',
      '--shard',
      '100000/100000',
    ]);
    vi.restoreAllMocks();
    expect(status).toBe(0);
    const t = tableFromIPC(readFileSync(join(dir, 'out/g/shards/shard-100000-of-100000.arrow')));
    expect(t.toArray().map((r) => r.run)).toEqual(['p99999-r0']);
    // A shard's sweep.json describes the grid without listing its 160,000 points.
    expect(readFileSync(join(dir, 'out/g/sweep.json'), 'utf8').length).toBeLessThan(20_000);
  });

  it('the table printed after a sweep of 160,000 points shows the first 50 (no spread into Math.max)', () => {
    const rows = range(160_000, 0).map((point) => ({ row_kind: 'point', point, runs: 1, x: point }));
    const table = tableFromRows(rows, [
      ['row_kind', 'string'],
      ['point', 'int'],
      ['runs', 'int'],
      ['x', 'float'],
    ]);
    const lines = formatPoints({ paths: ['x'] }, table).split('\n');
    expect(lines).toHaveLength(2 + 50 + 1);
    expect(lines.at(-1)).toBe('… and 159950 more points (every point: summary.arrow)');
  });

  it('validate checks a sample of a large grid holding every value of every path', () => {
    const plan = loadSweep(join(setup(grid400), 'sweep.json'));
    const sample = samplePoints(plan, 1000);
    expect(sample).toHaveLength(1000);
    const values = sample.map((p) => pointValues(plan, p));
    expect(new Set(values.map((v) => v.seed)).size).toBe(400);
    expect(new Set(values.map((v) => v['workload.arrivals.rate_per_s'])).size).toBe(400);
  });
});

describe('vary keys that name prototype machinery', () => {
  afterEach(() => {
    // Whatever a test did, the prototype every object shares must not have changed.
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it.each([['__proto__.polluted'], ['constructor.prototype.polluted'], ['workload.__proto__.polluted'], ['prototype']])(
    'vary key %s is refused naming it, and Object.prototype is untouched',
    (key) => {
      const dir = setup({ vary: { [key]: [1] } });
      const err = inputError(() => loadSweep(join(dir, 'sweep.json')));
      expect(err.problems[0]?.path).toBe(`vary.${key}`);
      expect(err.problems[0]?.message).toMatch(/is not a field of a scenario \(it names an object's prototype\)/);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('a vary key of exactly "__proto__" (which a schema drops silently) is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-guards-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify(baseScenario()));
    writeFileSync(join(dir, 'sweep.json'), '{"name":"g","base":"base.json","vary":{"__proto__":[{"polluted":1}]}}');
    expect(inputError(() => loadSweep(join(dir, 'sweep.json'))).problems[0]?.path).toBe('vary.__proto__');
  });

  it('the field setter reaches own properties only, and a new key is an own property, whatever the path', () => {
    const target = JSON.parse('{"a":{"b":1}}') as Record<string, any>;
    expect(setAtPath(target, ['__proto__', 'polluted'], 1)).toMatch(/the base scenario has nothing at __proto__/);
    expect(setAtPath(target, ['constructor', 'prototype', 'polluted'], 1)).toMatch(/nothing at constructor/);
    expect(setAtPath(target, ['a', 'toString'], 1)).toBeUndefined();
    expect(Object.hasOwn(target.a, 'toString')).toBe(true);
    expect(setAtPath(target, ['a', '__proto__'], { polluted: 1 })).toBeUndefined();
    // An own data property named "__proto__", not a new prototype.
    expect(Object.getPrototypeOf(target.a)).toBe(Object.prototype);
    expect(target.a.polluted).toBeUndefined();
  });
});

describe('merge refuses what is not one sweep', () => {
  it('shards of different sweep files under one name: the odd shard is named, nothing averaged', async () => {
    const dir = setup({ vary: { 'workload.arrivals.rate_per_s': [1, 2] } });
    writeFileSync(
      join(dir, 'other.json'),
      JSON.stringify({ name: 'g', base: 'base.json', vary: { 'workload.arrivals.rate_per_s': [1, 4] } }),
    );
    await runSweep(join(dir, 'sweep.json'), { out: join(dir, 'out'), workers: 1, shard: { k: 1, n: 2 } });
    await runSweep(join(dir, 'other.json'), { out: join(dir, 'out'), workers: 1, shard: { k: 2, n: 2 } });
    const err = inputError(() => mergeSweep(join(dir, 'out/g')));
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]?.file).toBe(join(dir, 'out/g/shards/shard-1-of-2.arrow'));
    expect(err.problems[0]?.message).toMatch(
      /ran a different sweep .* shards of different sweep files were written under the name "g"/,
    );
    expect(existsSync(join(dir, 'out/g/summary.arrow'))).toBe(false);
  });

  it('the fingerprint is the content, not the file: the same sweep from another path and layout merges', async () => {
    const dir = setup({ vary: { 'workload.arrivals.rate_per_s': [1, 2] } });
    const copy = join(dir, 'copy');
    writeFileSync(
      join(dir, 'sweep2.json'),
      JSON.stringify({ name: 'g', base: 'base.json', vary: { 'workload.arrivals.rate_per_s': [1, 2] } }, null, 4),
    );
    expect(loadSweep(join(dir, 'sweep2.json')).fingerprint).toBe(loadSweep(join(dir, 'sweep.json')).fingerprint);
    await runSweep(join(dir, 'sweep.json'), { out: copy, workers: 1, shard: { k: 1, n: 2 } });
    await runSweep(join(dir, 'sweep2.json'), { out: copy, workers: 1, shard: { k: 2, n: 2 } });
    expect(mergeSweep(join(copy, 'g')).summary.numRows).toBe(4);
  });

  it('a truncated shard is an input error naming the file', async () => {
    const dir = setup({ vary: { 'workload.arrivals.rate_per_s': [1, 2] } });
    for (const k of [1, 2])
      await runSweep(join(dir, 'sweep.json'), { out: join(dir, 'out'), workers: 1, shard: { k, n: 2 } });
    const shard = join(dir, 'out/g/shards/shard-2-of-2.arrow');
    const bytes = readFileSync(shard);
    writeFileSync(shard, bytes.subarray(0, bytes.length >> 1));
    const err = inputError(() => mergeSweep(join(dir, 'out/g')));
    expect(err.message).toBe(
      `${shard}: is not a complete Arrow file (truncated or corrupt: an interrupted copy or a full disk?); run this shard again`,
    );
  });
});

describe('plan candidates are reported against the plan file', () => {
  const planBase = {
    name: 'plan-base',
    seed: 5,
    duration_s: 30,
    warmup_s: 5,
    model: 'llama-3.1-8b',
    datacenter: {
      racks: [{ name: 'x', nodes: [{ hardware: 'h100-sxm', devices: 1, role: 'mixed' }] }],
      network: { kv_transfer: 'off' },
    },
    workload: {
      arrivals: { process: 'poisson', rate_per_s: 5 },
      prompt_tokens: { dist: 'lognormal', median: 1500, sigma: 0.6, max: 8000 },
      output_tokens: { dist: 'lognormal', median: 150, sigma: 0.6, max: 1000 },
    },
    scheduling: { router: 'least-work' },
    slo: { ttft_s: 0.5, tpot_s: 0.012, quantile: 0.95 },
  };
  const planFile = (plan: object) => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-plan-guards-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify(planBase));
    writeFileSync(join(dir, 'plan.json'), JSON.stringify({ name: 'p', base: 'base.json', ...plan }));
    return join(dir, 'plan.json');
  };
  const h100 = { hardware: 'h100-sxm', devices: 1 };

  it.each([
    [
      { split: { prefill: { candidates: [h100, 'h100-sxn'] }, decode: { candidates: [h100] } } },
      'split.prefill.candidates[1]',
      /unknown hardware 'h100-sxn'/,
    ],
    [
      { split: { prefill: { candidates: [h100] }, decode: { candidates: [{ hardware: 'nope', devices: 1 }] } } },
      'split.decode.candidates[0].hardware',
      /unknown hardware 'nope'/,
    ],
    [
      { mixed: { candidates: [h100, { hardware: { id: 'tiny', base: 'h100-sxm', memory_gb: 0.01 } }] } },
      'mixed.candidates[1].hardware',
      /fits on no replica/,
    ],
    [{ mixed: { candidates: [h100], max_instances: 1_000_000_000 } }, 'mixed.max_instances', /1000000000/],
  ])('%j → %s', (plan, path, message) => {
    const file = planFile(plan);
    const err = inputError(() => loadPlan(file));
    expect(err.problems.map((p) => [p.file, p.path])).toEqual([[file, path]]);
    expect(err.problems[0]?.message).toMatch(message);
  });
});

describe('splitsim validate on sweeps and plans', () => {
  afterEach(() => vi.restoreAllMocks());
  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    return { out, err };
  };

  it('prints ok for a good sweep and plan, with what it checked', async () => {
    const root = join(import.meta.dirname, '../..');
    const { out } = capture();
    const status = await main([
      'validate',
      join(root, 'scenarios/sweeps/ratio-sweep.json'),
      join(root, 'scenarios/plans/llama70b-40rps.json'),
    ]);
    expect(status).toBe(0);
    expect(out[0]).toMatch(
      /ratio-sweep\.json: ok \(sweep ratio-sweep, 6 points × 3 replications = 18 runs; every point checked\)/,
    );
    expect(out[1]).toMatch(
      /llama70b-40rps\.json: ok \(plan llama70b-40rps, split: 2 prefill × 2 decode candidates, mixed: 2 candidates/,
    );
  });

  it('reports every bad point of a sweep, and every file, with exit 2 and nothing on stdout', async () => {
    const dir = setup({ vary: { 'workload.arrivals.rate_per_s': [1, -2, 3], 'datacenter.racks[0].count': [1, 0] } });
    const { out, err } = capture();
    const status = await main(['validate', join(dir, 'sweep.json'), join(dir, 'base.json')]);
    expect(status).toBe(2);
    expect(out).toEqual([]);
    const text = err.join('\n');
    expect(text).toMatch(
      /sweep\.json: workload\.arrivals\.rate_per_s: must be a positive number, got -2 \(at point 2: /,
    );
    expect(text).toMatch(
      /sweep\.json: datacenter\.racks\[0\]\.count: must be a positive integer, got 0 \(at point 1: /,
    );
  });

  it('checks a grid larger than it will check whole on a sample, and says so', async () => {
    const dir = setup({ vary: { 'workload.arrivals.rate_per_s': range(200).map((i) => i / 100), seed: range(100) } });
    const { out } = capture();
    expect(await main(['validate', join(dir, 'sweep.json')])).toBe(0);
    expect(out[0]).toMatch(
      /20,000 points × 1 replications = 20,000 runs; 10,000 of its points checked, every value of each path among them/,
    );
  });
});
