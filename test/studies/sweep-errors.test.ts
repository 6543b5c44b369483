// Errors keep their class across threads (sim/studies/thread-error.ts): the exit status
// of a sweep does not depend on which thread ran the run that failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../sim/engine/index.js';
import { InputError } from '../../sim/scenario/problems.js';
import { fromThreadError, toThreadError } from '../../sim/studies/thread-error.js';

const bin = join(import.meta.dirname, '../../bin/splitsim.js');

/** Llama 3.1 8B on one H100, 16 closed-loop users that never think, for 3000 s. */
function closedBase(medianPrompt: number) {
  return {
    name: 'instant',
    seed: 1,
    duration_s: 3000,
    warmup_s: 10,
    model: 'llama-3.1-8b',
    datacenter: {
      racks: [{ name: 'x', nodes: [{ hardware: 'h100-sxm', devices: 1, role: 'mixed' }] }],
      network: { kv_transfer: 'off' },
    },
    workload: {
      arrivals: { process: 'closed', users: 16, think_s: { dist: 'constant', value_s: 0 } },
      prompt_tokens: { dist: 'lognormal', median: medianPrompt, sigma: 0.01 },
      output_tokens: { dist: 'constant', value: 10 },
    },
  };
}

describe('errors crossing a thread boundary', () => {
  it('come back as the class they were thrown as, with their message and (input errors) their file and field', () => {
    const input = new InputError('base.json', [{ path: 'workload.arrivals.think_s', message: 'is 0' }]);
    // structuredClone is what postMessage applies to a worker's message.
    const back = fromThreadError(structuredClone(toThreadError(input)), 'run p001-r0');
    expect(back).toBeInstanceOf(InputError);
    expect((back as InputError).problems).toEqual([
      { file: 'base.json', path: 'workload.arrivals.think_s', message: 'is 0 (in run p001-r0)' },
    ]);
    const bug = fromThreadError(structuredClone(toThreadError(new InvariantError('KV over capacity'))), 'run p000-r1');
    expect(bug).toBeInstanceOf(InvariantError);
    expect(bug.message).toBe('run p000-r1: KV over capacity');
    const other = fromThreadError(structuredClone(toThreadError(new RangeError('too deep'))), 'run p000-r0');
    expect(other).not.toBeInstanceOf(InputError);
    expect(other).not.toBeInstanceOf(InvariantError);
    expect(other.message).toBe('run p000-r0: too deep');
  });

  it('splitsim sweep --workers 2: a point whose scenario fails only as it runs exits 2, naming the file and the field', () => {
    // Every point passes the checks made before running (the shortest prompt the
    // lognormal can draw is 1 token); at a median of 10^7 tokens every prompt is longer
    // than the H100's KV capacity, so each user's requests are rejected the instant they
    // are sent and the run stops with an input error on think_s. Point 0 (10^3 tokens)
    // runs normally on this thread for about a second, long enough for the worker thread
    // to start and claim point 1 (seen by instrumenting the worker); whichever thread
    // runs it, the status and message must be the same.
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-sweep-errors-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify(closedBase(1000)));
    writeFileSync(
      join(dir, 'sweep.json'),
      JSON.stringify({ name: 'instant', base: 'base.json', vary: { 'workload.prompt_tokens.median': [1000, 1e7] } }),
    );
    const r = spawnSync(process.execPath, [bin, 'sweep', 'sweep.json', '--workers', '2', '--out', 'out', '--quiet'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, SPLITSIM_DEBUG: '' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /base\.json: workload\.arrivals\.think_s: user \d+'s last 1000 requests all ended at the instant they were sent.*\(in run p001-r0\)/,
    );
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    expect(r.stdout).toBe('');
  });
});
