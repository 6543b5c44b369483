// bin/splitsim.js without a build beside it (installed with --ignore-scripts, dist/
// removed): one line saying what to run, exit 1, no stack trace.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('says to run `npm run build` when dist/ is missing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-nodist-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  copyFileSync(join(import.meta.dirname, '../../bin/splitsim.js'), join(dir, 'bin/splitsim.js'));
  const r = spawnSync(process.execPath, [join(dir, 'bin/splitsim.js'), '--help'], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/dist\/cli\/main\.js\) is missing; run `npm run build`/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});
