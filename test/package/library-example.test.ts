// The README's library example (docs/examples/library.ts), run as a user runs it:
// `import … from 'splitsim'` resolves through package.json's `exports` to the build in
// dist/ (Node's self-reference; the global set-up builds dist/ first).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const example = join(root, 'docs/examples/library.ts');
const runExample = () => spawnSync(process.execPath, ['--import', 'tsx', example], { cwd: root, encoding: 'utf8' });

describe('the library example', () => {
  let first: ReturnType<typeof runExample>;
  beforeAll(() => {
    first = runExample();
  });

  it('runs to the end, conserving requests, and reports a missing file as an InputError', () => {
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const m = /requests (\d+): (\d+) completed, (\d+) rejected, (\d+) unfinished/.exec(first.stdout);
    expect(m).not.toBeNull();
    const [requests, completed, rejected, unfinished] = m!.slice(1).map(Number) as [number, number, number, number];
    // Poisson arrivals at 3.2/s for 2000 s: 6400 expected, sd 80.
    expect(Math.abs(requests - 6400)).toBeLessThan(4 * 80);
    expect(completed + rejected + unfinished).toBe(requests);
    expect(first.stdout).toMatch(/no-such-file\.json: \(file\): cannot read scenario: no such file/);
  });

  it('prints busy fractions at the closed form λ·E[S]/c', () => {
    const m = /prefill busy ([\d.]+), decode busy ([\d.]+), TTFT p99 ([\d.]+) s/.exec(first.stdout);
    expect(m).not.toBeNull();
    const [prefill, decode, ttft99] = m!.slice(1).map(Number) as [number, number, number];
    // λ = 3.2/s; prefill 4 servers × mean 0.5 s → 0.4, decode 4 × 1 s → 0.8. The busy
    // time over 1800 measured seconds sums ~5760 exponential services: sd ≈ 2% of the
    // mean (arrival count and service times), so these bounds are about 4 sd. They
    // catch a misread mean, rate or server count, not a small bias (the queueing tests do).
    expect(prefill).toBeGreaterThan(0.37);
    expect(prefill).toBeLessThan(0.43);
    expect(decode).toBeGreaterThan(0.74);
    expect(decode).toBeLessThan(0.86);
    expect(ttft99).toBeGreaterThan(0);
  });

  it('prints the same numbers when run again (the seed fixes the run)', () => {
    expect(runExample().stdout).toBe(first.stdout);
  });
});
