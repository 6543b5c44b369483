// --out must name a folder: an empty value or an existing file is bad input (exit 2,
// the option named), caught before anything runs, for every command that writes.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../sim/cli/main.js';
import { baseScenario } from '../helpers/base-scenario.js';

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-out-'));
  writeFileSync(join(dir, 'base.json'), JSON.stringify(baseScenario()));
  writeFileSync(
    join(dir, 'sweep.json'),
    JSON.stringify({ name: 'sw', base: 'base.json', vary: { seed: [1, 2] }, replications: 1 }),
  );
  writeFileSync(
    join(dir, 'plan.json'),
    JSON.stringify({ name: 'pl', base: 'base.json', mixed: { candidates: ['h100-sxm'], max_instances: 2 } }),
  );
  writeFileSync(join(dir, 'notes.txt'), 'not a folder\n');
  return dir;
}

async function cli(args: string[]): Promise<{ status: number; stderr: string }> {
  const errors: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
  vi.spyOn(console, 'log').mockImplementation(() => {});
  const status = await main(args);
  return { status, stderr: errors.join('\n') };
}

describe.each(['run', 'sweep', 'plan'] as const)('splitsim %s --out', (command) => {
  afterEach(() => vi.restoreAllMocks());
  const file = (dir: string) => join(dir, command === 'run' ? 'base.json' : `${command}.json`);

  it('empty: exit 2, "--out: must not be empty", nothing written in the working directory', async () => {
    const dir = workdir();
    const before = readdirSync(process.cwd()).sort();
    const r = await cli([command, file(dir), '--out', '', '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^splitsim ${command}: --out: must not be empty`));
    expect(readdirSync(process.cwd()).sort()).toEqual(before);
  });

  it('an existing file: exit 2, "--out: … is a file, not a folder", the file untouched', async () => {
    const dir = workdir();
    const notes = join(dir, 'notes.txt');
    const r = await cli([command, file(dir), '--out', notes, '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`splitsim ${command}: --out: ${notes} is a file, not a folder`);
    expect(r.stderr).not.toMatch(/EEXIST|ENOTDIR|\n\s+at /);
    expect(readFileSync(notes, 'utf8')).toBe('not a folder\n');
  });

  it('a folder below a file: exit 2 naming the file', async () => {
    const dir = workdir();
    const r = await cli([command, file(dir), '--out', join(dir, 'notes.txt', 'results'), '--quiet']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `--out: ${join(dir, 'notes.txt', 'results')}: ${join(dir, 'notes.txt')} is a file, not a folder`,
    );
  });
});

describe('splitsim run --out, a folder that does not exist yet', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is made, parents and all', async () => {
    const dir = workdir();
    const out = join(dir, 'a', 'b');
    const r = await cli(['run', join(dir, 'base.json'), '--out', out, '--quiet']);
    expect(r).toEqual({ status: 0, stderr: '' });
    expect(existsSync(join(out, 'base', 'summary.arrow'))).toBe(true);
  });
});
