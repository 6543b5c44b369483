import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { baseScenario, edited } from '../helpers/base-scenario.js';

const bin = join(import.meta.dirname, '../../bin/splitsim.js');

function splitsim(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, SPLITSIM_DEBUG: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function workdir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-cli-'));
  for (const [name, json] of Object.entries(files))
    writeFileSync(join(dir, name), typeof json === 'string' ? json : JSON.stringify(json));
  return dir;
}

describe('splitsim CLI', () => {
  it('runs a scenario, prints its summary and writes the four tables', () => {
    const dir = workdir({ 'base.json': baseScenario() });
    const r = splitsim(['run', 'base.json', '--out', 'out'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/requests\s+\d+ = \d+ completed \+ 0 rejected \+ 0 unfinished/);
    expect(readdirSync(join(dir, 'out/base')).sort()).toEqual([
      'links.arrow',
      'nodes.arrow',
      'pools.arrow',
      'requests.arrow',
      'run.json',
      'summary.arrow',
    ]);
    const summary = tableFromIPC(readFileSync(join(dir, 'out/base/summary.arrow')));
    expect(summary.getChild('scenario')?.get(0)).toBe('base');
    // Only the results folder is there: no staging leftovers.
    expect(readdirSync(join(dir, 'out'))).toEqual(['base']);
  });

  it('overwrites a previous result cleanly, and --seed changes it', () => {
    const dir = workdir({ 'base.json': baseScenario() });
    splitsim(['run', 'base.json', '--out', 'out', '--quiet'], dir);
    const first = readFileSync(join(dir, 'out/base/requests.arrow'));
    const r = splitsim(['run', 'base.json', '--out', 'out', '--quiet', '--seed', '9'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(dir, 'out/base/requests.arrow')).equals(first)).toBe(false);
    expect(readdirSync(join(dir, 'out'))).toEqual(['base']);
  });

  it('exits 2 naming the file and field, with no stack trace and no results, if any file of a batch is bad', () => {
    const bad = edited((s) => {
      s.name = 'bad';
      s.datacenter.racks[0].nodes[0].count = -2;
    });
    const dir = workdir({ 'good.json': baseScenario(), 'bad.json': bad });
    const r = splitsim(['run', 'good.json', 'bad.json', '--out', 'out'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('bad.json: datacenter.racks[0].nodes[0].count: must be a positive integer, got -2');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it.each([
    [['validate', 'missing.json'], /missing.json: cannot read scenario: no such file/],
    [['run', 'base.json', '--seed', 'x'], /--seed: must be an integer, got "x"/],
    [['run', 'base.json', '--bogus'], /Unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['run'], /needs at least one scenario FILE/],
    [['validate', 'broken.json'], /broken.json: not valid JSON: line 2, column/],
  ])('exits 2 for %j', (args, message) => {
    const dir = workdir({ 'base.json': baseScenario(), 'broken.json': '{\n  "name": }' });
    const r = splitsim(args, dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a batch writes one summary row per scenario and prints the comparison', () => {
    const other = edited((s) => {
      s.name = 'other';
      s.scheduling.router = 'random';
    });
    const dir = workdir({ 'base.json': baseScenario(), 'other.json': other });
    const r = splitsim(['run', 'base.json', 'other.json', '--out', 'out'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/scenario\s+\$\/hour\s+TTFT p50/);
    const summary = tableFromIPC(readFileSync(join(dir, 'out/summary.arrow')));
    expect(summary.numRows).toBe(2);
    expect([summary.getChild('scenario')?.get(0), summary.getChild('scenario')?.get(1)]).toEqual(['base', 'other']);
  });

  it('validate says ok per file and runs nothing', () => {
    const dir = workdir({ 'base.json': baseScenario() });
    const r = splitsim(['validate', 'base.json'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/base.json: ok \(base, 7 instances\)/);
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });

  it('catalog prints both catalogs with derived figures, and names a bad model', () => {
    const r = splitsim(['catalog'], tmpdir());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/llama-3\.1-70b\s+80\s+8,192\s+64\/8\s+28,672\s+70\.55\s+141\.1\s+327,680/);
    // CS-3 replica of 70B: four wafers, 450 tokens/s for one user without speculation
    // (Cerebras' launch figure, which the catalog's CS-3 constants are fitted to).
    expect(r.stdout).toMatch(/cs3\s+4\s+[\d,]+\s+450\s/);
    const fp8 = splitsim(['catalog', '--model', 'llama-3.1-8b', '--kv', 'fp8'], tmpdir());
    expect(fp8.stdout).toMatch(/llama-3\.1-8b .* 65,536/);
    const bad = splitsim(['catalog', '--model', 'llama-3.1-7b'], tmpdir());
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--model: unknown model 'llama-3.1-7b' \(did you mean 'llama-3.1-8b'\?\)/);
  });

  it('has --help for each command', () => {
    for (const cmd of ['run', 'validate', 'catalog']) {
      const r = splitsim([cmd, '--help'], tmpdir());
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: splitsim ${cmd}`));
    }
    expect(splitsim(['--help'], tmpdir()).stdout).toMatch(/splitsim run FILE/);
  });

  it('warns on stderr when requests are left unfinished (overload is not an error)', () => {
    const overloaded = edited((s) => {
      s.workload.arrivals.rate_per_s = 50;
      s.drain_s = 1;
    });
    const dir = workdir({ 'o.json': overloaded });
    const r = splitsim(['run', 'o.json', '--out', 'out', '--quiet'], dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/requests were still in flight at the horizon/);
    const req = tableFromIPC(readFileSync(join(dir, 'out/base/requests.arrow')));
    const status = req.getChild('status');
    const reason = req.getChild('reason');
    let unfinished = 0;
    for (let i = 0; i < req.numRows; i++) {
      if (status?.get(i) === 'unfinished') {
        unfinished++;
        expect(reason?.get(i)).toMatch(/at the horizon/);
      }
    }
    expect(unfinished).toBeGreaterThan(0);
  });
});
