// The batch-scheduler examples under deploy/ do what their comments say: each runs
// shards 1 … N exactly once, and their shards merge into the unsharded sweep.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveShard, runSweep } from '../../sim/studies/sweep-command.js';
import { baseScenario } from '../helpers/base-scenario.js';

const root = join(import.meta.dirname, '../..');
const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('deploy/', () => {
  it('the Kubernetes Indexed Job runs splitsim sweep, its pods running shards 1 … completions', () => {
    const yaml = readFileSync(join(root, 'deploy/kubernetes-sweep.yaml'), 'utf8');
    expect(yaml).toMatch(/completionMode: Indexed/);
    const completions = Number(/completions: (\d+)/.exec(yaml)?.[1]);
    const shards = /name: SPLITSIM_SHARDS\s+value: "(\d+)"/.exec(yaml)?.[1];
    expect(yaml).toMatch(/"npx", "splitsim", "sweep"/);
    // Kubernetes gives the pods JOB_COMPLETION_INDEX 0 … completions − 1.
    const ks = Array.from({ length: completions }, (_, i) =>
      resolveShard(undefined, { JOB_COMPLETION_INDEX: String(i), SPLITSIM_SHARDS: shards }),
    );
    expect(ks).toEqual(oneToN(completions).map((k) => ({ k, n: completions })));
  });

  it("the Slurm script's --array range runs shards 1 … N", () => {
    const script = readFileSync(join(root, 'deploy/slurm-sweep.sh'), 'utf8');
    const [, lo, hi] = /#SBATCH --array=(\d+)-(\d+)\n/.exec(script) ?? [];
    const min = Number(lo);
    const count = Number(hi) - min + 1;
    const env = (id: number) => ({
      SLURM_ARRAY_TASK_ID: String(id),
      SLURM_ARRAY_TASK_MIN: String(min),
      SLURM_ARRAY_TASK_MAX: hi,
      SLURM_ARRAY_TASK_COUNT: String(count),
    });
    const ks = Array.from({ length: count }, (_, i) => resolveShard(undefined, env(min + i))?.k);
    expect(ks).toEqual(oneToN(count));
  });

  it('the Slurm array script, run as two array tasks then merged, gives the unsharded sweep', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-slurm-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify({ ...baseScenario(), duration_s: 60, warmup_s: 10 }));
    writeFileSync(
      join(dir, 'sweep.json'),
      JSON.stringify({ name: 's', base: 'base.json', vary: { 'workload.arrivals.rate_per_s': [1, 2, 3] } }),
    );
    for (const task of ['1', '2']) {
      const r = spawnSync('bash', [join(root, 'deploy/slurm-sweep.sh'), join(dir, 'sweep.json'), join(dir, 'out')], {
        cwd: root,
        encoding: 'utf8',
        env: {
          ...process.env,
          SLURM_ARRAY_TASK_ID: task,
          SLURM_ARRAY_TASK_MIN: '1',
          SLURM_ARRAY_TASK_COUNT: '2',
          SLURM_CPUS_PER_TASK: '1',
        },
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
    const merge = spawnSync(process.execPath, [join(root, 'bin/splitsim.js'), 'merge', join(dir, 'out/s')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(merge.status).toBe(0);
    const whole = await runSweep(join(dir, 'sweep.json'), { out: join(dir, 'whole'), workers: 1 });
    const { tableToIPC, tableFromIPC } = await import('apache-arrow');
    const merged = Buffer.from(tableToIPC(tableFromIPC(readFileSync(join(dir, 'out/s/summary.arrow'))), 'file'));
    expect(merged.equals(Buffer.from(tableToIPC(whole.summary!, 'file')))).toBe(true);
  });
});
