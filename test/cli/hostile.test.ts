// The hostile-input corpus (test/fixtures/hostile): every file exits 2 naming the field
// or line, prints no stack trace, and leaves no results folder behind.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../sim/cli/main.js';

const dir = join(import.meta.dirname, '../fixtures/hostile');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Array<{ file: string; expect: string }>;

describe('hostile inputs', () => {
  afterEach(() => vi.restoreAllMocks());

  it('the corpus has at least 40 cases', () => {
    expect(manifest.length).toBeGreaterThanOrEqual(40);
  });

  it.each(manifest)('$file → exit 2 with the field or line named', async ({ file, expect: message }) => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const out = join(mkdtempSync(join(tmpdir(), 'splitsim-hostile-')), 'out');
    const status = await main(['run', join(dir, file), '--out', out, '--quiet']);
    const text = errors.join('\n');
    expect(status, text).toBe(2);
    expect(text).toMatch(new RegExp(message));
    expect(text).toContain(file);
    expect(text).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
  });
});
