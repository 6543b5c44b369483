// Interrupting a run leaves no partial tables; running again overwrites cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseScenario } from '../helpers/base-scenario.js';

const bin = join(import.meta.dirname, '../../bin/splitsim.js');

describe.each(['SIGINT', 'SIGTERM'] as const)('%s during a run', (signal) => {
  it('leaves no result folder, and the next run replaces the abandoned staging', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-int-'));
    // Long enough to be interrupted mid-run (about 10 s of wall time).
    writeFileSync(join(dir, 'long.json'), JSON.stringify({ ...baseScenario(), name: 'long', duration_s: 4e5, warmup_s: 0, drain_s: 10, workload: { ...baseScenario().workload, arrivals: { process: 'poisson', rate_per_s: 1 } } }));
    const child = spawn(process.execPath, [bin, 'run', 'long.json', '--out', 'out', '--quiet'], { cwd: dir });
    // Wait until the staging folder exists: the run is writing.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(existsSync(join(dir, 'out')) && readdirSync(join(dir, 'out')).some((f) => f.startsWith('.long.partial-')))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill(signal);
    const code = await new Promise<number | null>((r) => child.on('exit', (c, sig) => r(sig ? 128 : c)));
    expect(code).not.toBe(0);
    expect(existsSync(join(dir, 'out/long'))).toBe(false);

    writeFileSync(join(dir, 'long.json'), JSON.stringify({ ...baseScenario(), name: 'long', duration_s: 50, warmup_s: 5 }));
    const again = spawnSync(process.execPath, [bin, 'run', 'long.json', '--out', 'out', '--quiet'], { cwd: dir, encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(readdirSync(join(dir, 'out'))).toEqual(['long']);
    expect(readdirSync(join(dir, 'out/long')).sort()).toEqual(['links.arrow', 'nodes.arrow', 'pools.arrow', 'requests.arrow', 'run.json', 'summary.arrow']);
  });
});
