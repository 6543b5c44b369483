// A results folder on a volume shared by containers: a live run elsewhere (another host,
// its pid not visible here) keeps its staging folder, and two runs of one scenario at
// once both finish with a complete result.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { hostTag } from '../../sim/metrics/staging.js';
import { baseScenario } from '../helpers/base-scenario.js';

const bin = join(import.meta.dirname, '../../bin/splitsim.js');
const TABLES = ['links.arrow', 'nodes.arrow', 'pools.arrow', 'requests.arrow', 'run.json', 'summary.arrow'];

function splitsim(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
}

describe('staging on a shared volume', () => {
  it(
    'a run leaves another host’s live staging folder alone ' + '(its pid, not visible here, is not ours to judge)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'splitsim-shared-'));
      writeFileSync(join(dir, 'base.json'), JSON.stringify({ ...baseScenario(), duration_s: 50 }));
      const other = hostTag() === 'deadbeef' ? 'feedface' : 'deadbeef';
      // Pid 2^22 + 1 is above Linux's pid_max: certainly no process here.
      const foreign = `.base.partial-${other}-4194305-0a0b0c0d`;
      mkdirSync(join(dir, 'out', foreign), { recursive: true });
      writeFileSync(join(dir, 'out', foreign, 'requests.arrow'), 'being written elsewhere');
      const r = await splitsim(['run', 'base.json', '--out', 'out', '--quiet'], dir);
      expect(r).toEqual({ code: 0, stderr: '' });
      expect(readdirSync(join(dir, 'out')).sort()).toEqual([foreign, 'base'].sort());
      expect(readFileSync(join(dir, 'out', foreign, 'requests.arrow'), 'utf8')).toBe('being written elsewhere');
      expect(readdirSync(join(dir, 'out/base')).sort()).toEqual(TABLES);
    },
  );

  it('two runs of one scenario at once both finish; one complete result stands, no staging is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-shared-'));
    // Different seeds, so the result says which run committed it.
    writeFileSync(join(dir, 'base.json'), JSON.stringify({ ...baseScenario(), duration_s: 2000 }));
    const [a, b] = await Promise.all([
      splitsim(['run', 'base.json', '--out', 'out', '--quiet', '--seed', '1'], dir),
      splitsim(['run', 'base.json', '--out', 'out', '--quiet', '--seed', '2'], dir),
    ]);
    expect(a).toEqual({ code: 0, stderr: '' });
    expect(b).toEqual({ code: 0, stderr: '' });
    expect(readdirSync(join(dir, 'out'))).toEqual(['base']);
    expect(readdirSync(join(dir, 'out/base')).sort()).toEqual(TABLES);
    // One run's tables, not a mixture: run.json's seed and the requests table agree.
    const info = JSON.parse(readFileSync(join(dir, 'out/base/run.json'), 'utf8')) as { seed: number };
    expect([1, 2]).toContain(info.seed);
    const requests = tableFromIPC(readFileSync(join(dir, 'out/base/requests.arrow')));
    const summary = tableFromIPC(readFileSync(join(dir, 'out/base/summary.arrow')));
    expect(summary.getChild('requests')?.get(0)).toBe(requests.numRows);
  });
});
