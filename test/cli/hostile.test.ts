// The hostile-input corpus (test/fixtures/hostile): every file exits 2 naming the field
// or line, prints no stack trace, and leaves no results folder behind. The corpus is
// every manifest*.json beside the fixtures; an entry may name the command that reads
// its file (default: run).
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../sim/cli/main.js';

interface HostileCase {
  file: string;
  expect: string;
  command?: 'run' | 'validate' | 'sweep' | 'plan' | 'merge' | 'report';
}

const dir = join(import.meta.dirname, '../fixtures/hostile');
const manifest: HostileCase[] = readdirSync(dir)
  .filter((f) => /^manifest.*\.json$/.test(f))
  .sort()
  .flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as HostileCase[]);

describe('hostile inputs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('the corpus has at least 40 cases', () => {
    expect(manifest.length).toBeGreaterThanOrEqual(40);
  });

  it.each(manifest)('$file → exit 2 with the field or line named', async ({ file, expect: message, command }) => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const out = join(mkdtempSync(join(tmpdir(), 'splitsim-hostile-')), 'out');
    const cmd = command ?? 'run';
    const args =
      cmd === 'validate' || cmd === 'merge' || cmd === 'report'
        ? [cmd, join(dir, file)]
        : [cmd, join(dir, file), '--out', out, '--quiet'];
    const status = await main(args);
    const text = errors.join('\n');
    expect(status, text).toBe(2);
    expect(text).toMatch(new RegExp(message));
    expect(text).toContain(file);
    expect(text).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});
