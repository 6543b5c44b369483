// `splitsim report DIR` on a folder of runs draws the latest runs only (unless --all),
// says what it drew, and marks series that coincide; colocated runs get no link chart.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseScenario } from '../helpers/base-scenario.js';

const root = join(import.meta.dirname, '../..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin/splitsim.js'), ...args], { encoding: 'utf8', cwd: root });
const charts = (html: string) => [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);

describe('report of a folder of runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-latest-'));
  const out = join(dir, 'results');
  for (const name of ['old', 'a', 'b', 'later']) {
    // a and b are the same scenario under two names: every series of theirs coincides.
    writeFileSync(
      join(dir, `${name}.json`),
      JSON.stringify({ ...baseScenario(), name, duration_s: 60, ...(name === 'old' ? { seed: 9 } : {}) }),
    );
  }
  const run = (...names: string[]) =>
    expect(cli('run', ...names.map((n) => join(dir, `${n}.json`)), '--out', out, '--quiet').status).toBe(0);

  it('draws the batch of the last run, names what it left out, and --all draws everything', () => {
    run('old');
    run('a', 'b');
    const r = cli('report', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('drew 2 scenarios: a, b');
    expect(r.stdout).toContain('left out 1 older: old; --all draws them too');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(charts(html)).toContain('heatmap-a');
    expect(charts(html)).not.toContain('heatmap-old');
    expect(html).toContain('1 older folder left out (old)');
    // Identical runs: the note says their lines coincide.
    expect(html).toContain('a and b coincide (identical values): one line hides the other.');
    // No hand-offs (kv_transfer off): no link chart, and the page says why.
    expect(charts(html).filter((c) => c!.startsWith('links-'))).toEqual([]);
    expect(html).toContain('No hand-offs in a, b');

    const all = cli('report', out, '--all');
    expect(all.status).toBe(0);
    expect(all.stdout).toContain('drew 3 scenarios: a, b, old');
    expect(charts(readFileSync(join(out, 'report.html'), 'utf8'))).toContain('heatmap-old');
  });

  it('a single run after the batch is the latest', () => {
    run('later');
    const r = cli('report', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('drew 1 scenario: later');
    expect(r.stdout).toContain('left out 3 older: a, b, old');
  });
});
