// Vitest global set-up: build dist/ before any test runs. Tests that spawn
// bin/splitsim.js run the compiled CLI, and a dist/ left from before an edit to sim/
// would test the old code.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export default function buildDist(): void {
  const root = join(import.meta.dirname, '../..');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`npm run build failed (the CLI tests need dist/):\n${r.stdout}${r.stderr}${r.error ?? ''}`);
}
