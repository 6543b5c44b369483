// Sweeps: grids × replications, workers, shards and merge, confidence intervals.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../sim/index.js';
import { allPoints, checkPoints, loadSweep, runsOf } from '../../sim/studies/sweep.js';
import { mergeSweep, resolveShard, runSweep } from '../../sim/studies/sweep-command.js';
import { executeRuns } from '../../sim/studies/sweep-run.js';
import { mmcWait } from '../../sim/studies/index.js';
import { baseScenario } from '../helpers/base-scenario.js';

/** An M/M/4 prefill pool (μ = 2/s) in front of a fast decode pool. */
function mmcBase(duration_s: number) {
  const s = baseScenario();
  s.name = 'mmc';
  s.duration_s = duration_s;
  s.warmup_s = 100;
  s.datacenter.racks = [
    { name: 'pre', nodes: [{ count: 4, role: 'prefill', service: { prefill: { dist: 'exponential', mean_s: 0.5 } } }] },
    {
      name: 'dec',
      nodes: [{ count: 1, role: 'decode', service: { decode: { dist: 'deterministic', value_s: 1e-6 } } }],
    },
  ];
  s.scheduling = { router: 'pool-fcfs' };
  return s;
}

function setup(sweep: object, duration_s = 1000) {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-sweep-'));
  writeFileSync(join(dir, 'base.json'), JSON.stringify(mmcBase(duration_s)));
  writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ name: 'grid', base: 'base.json', ...sweep }));
  return dir;
}

const bytes = (t: Table) => Buffer.from(tableToIPC(t, 'file'));
const rowsOf = (t: Table, kind: string) =>
  t
    .toArray()
    .map((r) => r.toJSON() as Record<string, any>)
    .filter((r) => r.row_kind === kind);

describe('sweep expansion', () => {
  it('is the Cartesian product × replications, first path slowest, seeds shared across points', () => {
    const dir = setup({
      vary: { 'workload.arrivals.rate_per_s': [1, 2], 'datacenter.racks[0].nodes[0].count': [3, 4, 5] },
      replications: 2,
    });
    const plan = loadSweep(join(dir, 'sweep.json'));
    const points = allPoints(plan);
    const runs = runsOf(plan);
    expect(points).toHaveLength(6);
    expect(runs).toHaveLength(12);
    expect(points[1]).toEqual({ 'workload.arrivals.rate_per_s': 1, 'datacenter.racks[0].nodes[0].count': 4 });
    expect(points[3]).toEqual({ 'workload.arrivals.rate_per_s': 2, 'datacenter.racks[0].nodes[0].count': 3 });
    expect(runs.filter((r) => r.replication === 1).map((r) => r.seed)).toEqual(new Array(6).fill(2));
    expect(runs.map((r) => r.id).slice(0, 3)).toEqual(['p000-r0', 'p000-r1', 'p001-r0']);
  });

  it.each([
    [
      { 'datacenter.racks[5].count': [1] },
      /vary\.datacenter\.racks\[5\]\.count: the base scenario has nothing at datacenter\.racks\[5\]/,
    ],
    [{ 'datacenter..racks': [1] }, /is not a field path/],
    [
      { 'workload.arrivals.rate_per_s': [-1] },
      /workload\.arrivals\.rate_per_s: must be a positive number, got -1 \(at point 0: workload\.arrivals\.rate_per_s=-1\)/,
    ],
    [{ 'workload.arrivals.rate_per_s': [] }, /must list at least one value/],
  ])('a bad vary %j is an input error naming the path', (vary, message) => {
    const dir = setup({ vary });
    let msg = '';
    try {
      const plan = loadSweep(join(dir, 'sweep.json'));
      checkPoints(join(dir, 'sweep.json'), plan, [0]);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      msg = err.message;
    }
    expect(msg).toMatch(message);
  });
});

describe('bad sweep files', () => {
  it.each([
    [
      { name: 'g', base: 'missing.json', vary: { seed: [1] } },
      /cannot read base scenario: no such file: .*missing\.json/,
    ],
    [{ name: 'G!', base: 'base.json', vary: { seed: [1] } }, /name: must be lower-case/],
    [{ name: 'g', base: 'base.json', vary: { seed: [1] }, extra: 1 }, /Unrecognized key/],
  ])('%j is an input error', (sweep, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-badsweep-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify(mmcBase(100)));
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify(sweep));
    expect(() => loadSweep(join(dir, 'sweep.json'))).toThrow(message);
  });

  it('a sweep that is not JSON names line and column', () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-badsweep-'));
    writeFileSync(join(dir, 'sweep.json'), '{\n  "name": "g",\n  oops\n}');
    expect(() => loadSweep(join(dir, 'sweep.json'))).toThrow(/sweep is not valid JSON: line 3, column 3/);
  });
});

describe('running a sweep', () => {
  const sweep = { vary: { 'workload.arrivals.rate_per_s': [4, 6.4] }, replications: 3 };

  it('I11 determinism: identical tables with 1 and 2 workers', async () => {
    const dir = setup(sweep);
    const one = await runSweep(join(dir, 'sweep.json'), { out: join(dir, 'w1'), workers: 1 });
    const two = await runSweep(join(dir, 'sweep.json'), { out: join(dir, 'w2'), workers: 2 });
    expect(bytes(two.summary!).equals(bytes(one.summary!))).toBe(true);
    const a = readFileSync(join(dir, 'w1/grid/runs/p001-r2/requests.arrow'));
    const b = readFileSync(join(dir, 'w2/grid/runs/p001-r2/requests.arrow'));
    expect(b.equals(a)).toBe(true);
  });

  it('worker threads alone give what this thread alone gives, and claim each run once', async () => {
    const dir = setup(sweep);
    const plan = loadSweep(join(dir, 'sweep.json'));
    const runs = runsOf(plan);
    const heard: number[] = [];
    const here = await executeRuns(runs, plan.baseScenario, join(dir, 'here'), 1);
    const threads = await executeRuns(runs, plan.baseScenario, join(dir, 'threads'), 2, {
      onDone: (done) => heard.push(done),
      thisThreadWorks: false,
    });
    expect(heard).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...threads.keys()].sort()).toEqual(runs.map((r) => r.id).sort());
    for (const [id, row] of here) expect(threads.get(id)).toEqual(row);
    const a = readFileSync(join(dir, 'here/p001-r2/requests.arrow'));
    expect(readFileSync(join(dir, 'threads/p001-r2/requests.arrow')).equals(a)).toBe(true);
  });

  it.each([
    [1, true],
    [2, false],
  ])(
    'a run with bad input stops the sweep with an input error naming file, field and run (%i workers, this thread works: %s)',
    async (workers, here) => {
      // Not checked before running (checkPoints is skipped): the error is found inside the run,
      // on a worker thread when `here` is false, and must still be an InputError (exit 2).
      const dir = setup({ vary: { 'workload.arrivals.rate_per_s': [4, -1, 6.4] } });
      const plan = loadSweep(join(dir, 'sweep.json'));
      const runs = runsOf(plan);
      const failed = await executeRuns(runs, plan.baseScenario, join(dir, 'out'), workers, {
        thisThreadWorks: here,
      }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(InputError);
      expect((failed as InputError).problems).toEqual([
        {
          file: plan.base,
          path: 'workload.arrivals.rate_per_s',
          message: 'must be a positive number, got -1 (in run p001-r0)',
        },
      ]);
      // Named the same way whichever thread ran it.
      const again = await executeRuns(runs, plan.baseScenario, join(dir, 'again'), 3 - workers, {
        thisThreadWorks: !here,
      }).catch((e: unknown) => e);
      expect((again as Error).message).toBe((failed as Error).message);
    },
  );

  it('sharded in 3 and merged, gives the rows of the unsharded sweep', async () => {
    const dir = setup(sweep);
    const whole = await runSweep(join(dir, 'sweep.json'), { out: join(dir, 'whole'), workers: 1 });
    for (let k = 1; k <= 3; k++)
      await runSweep(join(dir, 'sweep.json'), { out: join(dir, 'sharded'), workers: 1, shard: { k, n: 3 } });
    const merged = mergeSweep(join(dir, 'sharded/grid'));
    expect(bytes(merged.summary).equals(bytes(whole.summary!))).toBe(true);
    expect(
      bytes(tableFromIPC(readFileSync(join(dir, 'sharded/grid/summary.arrow')))).equals(bytes(whole.summary!)),
    ).toBe(true);
  });

  it('merge names the runs still missing', async () => {
    const dir = setup(sweep);
    await runSweep(join(dir, 'sweep.json'), { out: join(dir, 'part'), workers: 1, shard: { k: 1, n: 3 } });
    expect(() => mergeSweep(join(dir, 'part/grid'))).toThrow(/4 of 6 runs have no shard result yet \(first: p000-r1/);
  });
});

describe('confidence intervals', () => {
  it('cover the closed-form M/M/4 wait and shrink as replications grow', async () => {
    const lambda = 6.4; // ρ = 0.8
    const theory = mmcWait(4, lambda, 2);
    const halfWidth = async (replications: number) => {
      const dir = setup({ vary: { 'workload.arrivals.rate_per_s': [lambda] }, replications }, 2000);
      const out = await runSweep(join(dir, 'sweep.json'), { out: dir, workers: 2 });
      const point = rowsOf(out.summary!, 'point')[0]!;
      expect(Math.abs(point.prefill_queue_mean_s - theory)).toBeLessThan(point.prefill_queue_mean_s_ci95);
      return point.prefill_queue_mean_s_ci95 as number;
    };
    const few = await halfWidth(4);
    const many = await halfWidth(16);
    expect(many).toBeLessThan(few);
  });
});

describe('shards count from 1, and from batch schedulers', () => {
  it.each([
    [{}, '2/5', { k: 2, n: 5 }],
    [{}, '1/1', { k: 1, n: 1 }],
    [{}, '5/5', { k: 5, n: 5 }],
    // Kubernetes and AWS Batch count from 0: index + 1.
    [{ JOB_COMPLETION_INDEX: '0', SPLITSIM_SHARDS: '4' }, undefined, { k: 1, n: 4 }],
    [{ JOB_COMPLETION_INDEX: '3', SPLITSIM_SHARDS: '4' }, undefined, { k: 4, n: 4 }],
    [{ AWS_BATCH_JOB_ARRAY_INDEX: '0', SPLITSIM_SHARDS: '2' }, undefined, { k: 1, n: 2 }],
    [{ AWS_BATCH_JOB_ARRAY_INDEX: '1', SPLITSIM_SHARDS: '2' }, undefined, { k: 2, n: 2 }],
    // Slurm from SLURM_ARRAY_TASK_MIN, in steps of SLURM_ARRAY_TASK_STEP.
    [{ SLURM_ARRAY_TASK_ID: '7', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '8' }, undefined, { k: 7, n: 8 }],
    [{ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_COUNT: '8' }, undefined, { k: 1, n: 8 }],
    [
      { SLURM_ARRAY_TASK_ID: '14', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_COUNT: '8' },
      undefined,
      { k: 8, n: 8 },
    ],
    [{}, undefined, undefined],
  ])('env %j, --shard %s → %j', (env, flag, shard) => {
    expect(resolveShard(flag, env as NodeJS.ProcessEnv)).toEqual(shard);
  });

  it('every index a scheduler hands out maps to exactly the shards 1 … N', () => {
    const n = 6;
    const ks = (env: (i: number) => NodeJS.ProcessEnv) =>
      Array.from({ length: n }, (_, i) => resolveShard(undefined, env(i))?.k);
    const all = [1, 2, 3, 4, 5, 6];
    expect(ks((i) => ({ JOB_COMPLETION_INDEX: String(i), SPLITSIM_SHARDS: String(n) }))).toEqual(all);
    expect(ks((i) => ({ AWS_BATCH_JOB_ARRAY_INDEX: String(i), SPLITSIM_SHARDS: String(n) }))).toEqual(all);
    expect(
      ks((i) => ({
        SLURM_ARRAY_TASK_ID: String(10 + 3 * i),
        SLURM_ARRAY_TASK_MIN: '10',
        SLURM_ARRAY_TASK_STEP: '3',
        SLURM_ARRAY_TASK_COUNT: String(n),
      })),
    ).toEqual(all);
  });

  it.each([['4/3'], ['1-of-2'], ['-1/2'], ['1/0']])('rejects --shard %s', (flag) => {
    expect(() => resolveShard(flag, {})).toThrow(/--shard: must be K\/N with 1 ≤ K ≤ N/);
  });

  it('0/N gets a hint that shards count from 1', () => {
    expect(() => resolveShard('0/3', {})).toThrow(
      /--shard: shards count from 1: did you mean 1\/3\? \(the last is 3\/3\)/,
    );
  });

  it.each([
    [{ JOB_COMPLETION_INDEX: '0' }, /SPLITSIM_SHARDS: needs a shard count/],
    [
      { JOB_COMPLETION_INDEX: '4', SPLITSIM_SHARDS: '4' },
      /JOB_COMPLETION_INDEX: is 4, but 4 shards have indices 0 … 3/,
    ],
    [
      { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' },
      /SLURM_ARRAY_TASK_MIN: is not set, though SLURM_ARRAY_TASK_ID is/,
    ],
    [
      { SLURM_ARRAY_TASK_ID: '9', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '3' },
      /SLURM_ARRAY_TASK_ID: 9 is not one of 3 indices 1, 2, … 3/,
    ],
    [
      { AWS_BATCH_JOB_ARRAY_INDEX: 'x', SPLITSIM_SHARDS: '2' },
      /AWS_BATCH_JOB_ARRAY_INDEX: must be an integer ≥ 0, got "x"/,
    ],
  ])('refuses scheduler variables %j that place no shard', (env, message) => {
    expect(() => resolveShard(undefined, env as NodeJS.ProcessEnv)).toThrow(message);
  });

  it('--shard=K/N (one argument) works like --shard K/N, and names the shard file from 1', async () => {
    const dir = setup({ vary: { 'workload.arrivals.rate_per_s': [4] }, replications: 2 }, 200);
    const { main } = await import('../../sim/cli/main.js');
    expect(
      await main([
        'sweep',
        join(dir, 'sweep.json'),
        '--out',
        join(dir, 'out'),
        '--quiet',
        '--workers',
        '1',
        '--shard=2/2',
      ]),
    ).toBe(0);
    const t = tableFromIPC(readFileSync(join(dir, 'out/grid/shards/shard-2-of-2.arrow')));
    expect(t.toArray().map((r) => r.run)).toEqual(['p000-r1']);
  });
});
