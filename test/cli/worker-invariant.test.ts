// An invariant broken inside a sweep's worker thread reaches the CLI as an
// InvariantError (rebuilt from the worker's message by thread-error.ts): exit 1 with
// the "a bug; please report it" line, not a bare message. No scenario breaks an
// invariant on purpose, so the sweep's runner is replaced by one that fails as a worker
// thread's run would: its error through structured cloning (what postMessage does) and
// errorOf, the main thread's rebuild.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvariantError } from '../../sim/engine/index.js';
import { toThreadError } from '../../sim/studies/thread-error.js';
import { baseScenario } from '../helpers/base-scenario.js';

vi.mock('../../sim/studies/sweep-run.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../sim/studies/sweep-run.js')>();
  return {
    ...real,
    executeRuns: async () => {
      throw real.errorOf({
        id: 'p000-r1',
        error: structuredClone(toThreadError(new InvariantError('KV in use 9 exceeds capacity 8'))),
      });
    },
  };
});

const { main } = await import('../../sim/cli/main.js');

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('an invariant broken in a sweep worker thread', () => {
  it('exits 1 with the "a bug; please report it" line naming the run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-worker-invariant-'));
    writeFileSync(join(dir, 'base.json'), JSON.stringify(baseScenario()));
    writeFileSync(
      join(dir, 'sweep.json'),
      JSON.stringify({
        name: 'grid',
        base: 'base.json',
        vary: { 'workload.arrivals.rate_per_s': [1, 2] },
        replications: 2,
      }),
    );
    vi.stubEnv('SPLITSIM_DEBUG', ''); // no stack trace after the line
    const err: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    const status = await main([
      'sweep',
      join(dir, 'sweep.json'),
      '--out',
      join(dir, 'out'),
      '--workers',
      '2',
      '--quiet',
    ]);
    expect(status).toBe(1);
    expect(err.join('\n')).toBe(
      'splitsim: internal invariant broken (a bug; please report it): run p000-r1: KV in use 9 exceeds capacity 8',
    );
  });
});
