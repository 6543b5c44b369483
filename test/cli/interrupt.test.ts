// Interrupting a run, a sweep or a plan stops it, leaves no staging folder and no
// result, and exits 128 + the signal's number; running again writes cleanly.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Interrupted } from '../../sim/cli/interrupt.js';
import { runPlan } from '../../sim/studies/plan.js';
import { baseScenario, smallPlanBase } from '../helpers/base-scenario.js';

const bin = join(import.meta.dirname, '../../bin/splitsim.js');

/** A run that cannot end by itself within the test: 10⁷ s of arrivals at 1/s. */
const endless = (name: string) => ({
  ...baseScenario(),
  name,
  duration_s: 1e7,
  warmup_s: 0,
  drain_s: 10,
  workload: { ...baseScenario().workload, arrivals: { process: 'poisson', rate_per_s: 1 } },
});

/** Every hidden staging entry below `dir`. */
function staging(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    /(^|[\\/])\.[^\\/]+\.partial-[^\\/]*$/.test(f),
  );
}

/** Wait for `what`; on timeout, kill `child` (so no run outlives a failed test) and fail. */
async function until(child: ChildProcess, what: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error('the run did not start writing');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The exit status, or a failure if the process has not exited within `ms` (it is then killed). */
function exitOf(
  child: ChildProcess,
  ms = 20_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no exit within ${ms / 1000} s of the signal`));
    }, ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

const STATUS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

describe.each(Object.entries(STATUS) as Array<[keyof typeof STATUS, number]>)('%s during a run', (signal, status) => {
  it(`exits ${status}, leaving no staging and no result folder; the next run writes cleanly`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-int-'));
    writeFileSync(join(dir, 'long.json'), JSON.stringify(endless('long')));
    const child = spawn(process.execPath, [bin, 'run', 'long.json', '--out', 'out', '--quiet'], { cwd: dir });
    // The run is writing once its staging folder exists.
    await until(child, () => staging(join(dir, 'out')).length > 0);
    child.kill(signal);
    const exit = await exitOf(child);
    expect(exit).toMatchObject({ code: status, signal: null });
    expect(exit.stderr).toContain(`interrupted by ${signal}`);
    expect(exit.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(join(dir, 'out'))).toEqual([]);

    writeFileSync(
      join(dir, 'long.json'),
      JSON.stringify({ ...baseScenario(), name: 'long', duration_s: 50, warmup_s: 5 }),
    );
    const again = spawnSync(process.execPath, [bin, 'run', 'long.json', '--out', 'out', '--quiet'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(again.status).toBe(0);
    expect(readdirSync(join(dir, 'out'))).toEqual(['long']);
    expect(readdirSync(join(dir, 'out/long')).sort()).toEqual([
      'links.arrow',
      'nodes.arrow',
      'pools.arrow',
      'requests.arrow',
      'run.json',
      'summary.arrow',
    ]);
  });
});

describe('interrupting studies', () => {
  it('SIGTERM during a sweep terminates its worker threads and removes every unfinished run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-int-sweep-'));
    writeFileSync(join(dir, 'long.json'), JSON.stringify(endless('long')));
    writeFileSync(
      join(dir, 'sweep.json'),
      JSON.stringify({ name: 'sw', base: 'long.json', vary: { seed: [1, 2] }, replications: 1 }),
    );
    const child = spawn(process.execPath, [bin, 'sweep', 'sweep.json', '--out', 'out', '--workers', '2', '--quiet'], {
      cwd: dir,
    });
    // Both runs are writing: this thread's and the worker thread's.
    await until(child, () => staging(join(dir, 'out')).length === 2);
    child.kill('SIGTERM');
    const exit = await exitOf(child);
    expect(exit).toMatchObject({ code: 143, signal: null });
    expect(staging(join(dir, 'out'))).toEqual([]);
    expect(readdirSync(join(dir, 'out/sw/runs'))).toEqual([]);
    expect(existsSync(join(dir, 'out/sw/summary.arrow'))).toBe(false);
  });

  it('an abort during a plan stops its search at once and is thrown (the CLI maps it to 128 + the signal)', async () => {
    // In-process: a plan prints nothing until it ends, so a spawned one gives no sign
    // of having started to signal it by. The CLI's signal-to-abort path is the one
    // the runs above exercise.
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-int-plan-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify(smallPlanBase()));
    writeFileSync(
      join(dir, 'plan.json'),
      JSON.stringify({
        name: 'pl',
        base: 'base.json',
        mixed: { candidates: [{ hardware: 'h100-sxm', devices: 1 }], max_instances: 8 },
      }),
    );
    const controller = new AbortController();
    const reason = new Interrupted('SIGINT');
    let evaluated = 0;
    const plan = runPlan(
      join(dir, 'plan.json'),
      () => {
        evaluated++;
        // Abort from a timer, as a signal handler would: outside the run, while it yields.
        setImmediate(() => controller.abort(reason));
      },
      controller.signal,
    );
    await expect(plan).rejects.toBe(reason);
    // The search evaluates 4 designs (bisection over 8) before verifying: it stopped within the second.
    expect(evaluated).toBe(1);
    expect(reason.status).toBe(130);
  });
});
