// The CLI says when a run is overloaded: on stderr, naming the pool, and in the summary.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '../../bin/splitsim.js');
const aws = join(import.meta.dirname, '../../scenarios/aws-split-llama70b.json');

function runAt(rate: number) {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-overload-'));
  const s = JSON.parse(readFileSync(aws, 'utf8'));
  delete s.$schema;
  s.workload.arrivals.rate_per_s = rate;
  writeFileSync(join(dir, 'aws.json'), JSON.stringify(s));
  const r = spawnSync(process.execPath, [bin, 'run', 'aws.json', '--out', 'out'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, SPLITSIM_DEBUG: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('overload on the command line', () => {
  it('the AWS split at 80 requests/s: a warning naming the prefill pool, and the summary marks it', () => {
    const r = runAt(80);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(
      /^aws-split-llama70b: overloaded: the prefill pool's queue grew from [\d,]+ to [\d,]+ requests over the measured period/m,
    );
    expect(r.stderr).not.toMatch(/decode pool/);
    expect(r.stdout).toMatch(/OVERLOADED/);
    expect(r.stdout).toMatch(/headroom\s+busy\s+MFU\s+MBU\s+batch\s+KV/);
  });

  it('at 40 requests/s: nothing on stderr', () => {
    const r = runAt(40);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toMatch(/OVERLOADED/);
    expect(r.stdout).toMatch(/goodput tokens/);
  });
});
