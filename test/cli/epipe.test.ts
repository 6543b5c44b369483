// Output piped into a reader that stops early (`splitsim … | head -1`): the CLI stops
// quietly with 141, the status of a process that SIGPIPE ended, and leaves nothing
// half-written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseScenario } from '../helpers/base-scenario.js';

const bin = join(import.meta.dirname, '../../bin/splitsim.js');

/**
 * Run the CLI with stdout piped to us; close our end once `closeAfter` chunks have
 * arrived (0: at once, before it writes anything).
 */
function piped(
  args: string[],
  cwd: string,
  closeAfter: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; chunks: number }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let chunks = 0;
  child.stderr.on('data', (d) => (stderr += d));
  if (closeAfter === 0) child.stdout.destroy();
  else {
    child.stdout.on('data', () => {
      if (++chunks === closeAfter) child.stdout.destroy();
    });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('no exit within 60 s'));
    }, 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, chunks });
    });
  });
}

describe('a closed stdout', () => {
  it('catalog: exit 141, no stack trace, no EPIPE message', async () => {
    const r = await piped(['catalog'], tmpdir(), 0);
    expect(r).toMatchObject({ code: 141, signal: null });
    expect(r.stderr).not.toMatch(/\n\s+at |EPIPE|Unhandled/);
  });

  it('run: the batch stops at the first write that finds the pipe closed, leaving only complete results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-epipe-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ ...baseScenario(), name: 'a', duration_s: 50 }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ ...baseScenario(), name: 'b', duration_s: 3000 }));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ ...baseScenario(), name: 'c', duration_s: 50 }));
    const r = await piped(['run', 'a.json', 'b.json', 'c.json', '--out', 'out'], dir, 1);
    expect(r).toMatchObject({ code: 141, signal: null });
    expect(r.stderr).not.toMatch(/\n\s+at |EPIPE|Unhandled/);
    // a printed; the next write (a's trailing blank line, or b's summary once b is
    // written) found the pipe closed. Which of the two depends on when we closed it:
    // b is absent or complete, never partial; c never ran; no staging is left.
    const left = readdirSync(join(dir, 'out')).sort();
    expect([['a'], ['a', 'b']]).toContainEqual(left);
    for (const name of left) {
      expect(readdirSync(join(dir, 'out', name)).sort()).toEqual([
        'links.arrow',
        'nodes.arrow',
        'pools.arrow',
        'requests.arrow',
        'run.json',
        'summary.arrow',
      ]);
    }
    expect(existsSync(join(dir, 'out/summary.arrow'))).toBe(false);
  });
});
