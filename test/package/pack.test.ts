// The package as a user gets it: `npm pack`, install the tarball in a scratch project
// (nothing else beside it: no tsx, no sources), import it, run a scenario, type-check a
// TypeScript consumer against its declarations, start a sweep's worker threads.
// Slow (an npm install: ~5-30 s), hence its own timeout.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'splitsim-pack-'));
const app = join(scratch, 'app');

// npm's own settings for this run (when under `npm test`) must not steer the nested npm calls.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));

function run(command: string, args: string[], cwd: string) {
  const options: SpawnSyncOptions = { cwd, env, encoding: 'utf8', timeout: 240_000 };
  const r = spawnSync(command, args, options);
  if (r.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}${r.error ?? ''}`,
    );
  return String(r.stdout);
}

let files: string[] = [];

beforeAll(() => {
  // --ignore-scripts: dist/ is fresh (vitest's global set-up built it), and a rebuild
  // here would empty dist/ under the tests that spawn the CLI meanwhile.
  const [packed] = JSON.parse(
    run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], root),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed!.files.map((f) => f.path);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  run('npm', ['install', join(scratch, packed!.filename), '--no-audit', '--no-fund', '--prefer-offline'], app);
}, 300_000);

describe('the packed package', () => {
  it('holds the build, the CLI, the scenarios and the docs; no sources, tests or results', () => {
    for (const f of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'dist/studies/sweep-worker.js',
      'bin/splitsim.js',
      'scenarios/queueing/mm4-tandem.json',
      'docs/scenario.schema.json',
      'README.md',
    ]) {
      expect(files).toContain(f);
    }
    const allowed = /^(dist|bin|scenarios|traces|docs)\/|^(README\.md|LICENSE|package\.json)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
    expect(
      files.filter((f) => /^(test|results|sim|bench|scripts)\/|worker-entry|\.test\.|tsbuildinfo/.test(f)),
    ).toEqual([]);
  });

  it('imports from "splitsim", runs a scenario and reports bad input as an InputError', () => {
    writeFileSync(
      join(app, 'use.mjs'),
      `import { checkScenario, InputError, loadScenario, runScenario } from 'splitsim';
const { summary } = runScenario(loadScenario('node_modules/splitsim/scenarios/queueing/mm4-tandem.json'), { seed: 3 });
let paths;
try { checkScenario({ name: 'x', duration_s: -1 }, 'inline'); } catch (e) { if (e instanceof InputError) paths = e.problems.map((p) => p.path); }
console.log(JSON.stringify({ ...summary, paths }));
`,
    );
    const out = JSON.parse(run(process.execPath, ['use.mjs'], app)) as {
      requests: number;
      completed: number;
      rejected: number;
      unfinished: number;
      prefill_util: number;
      paths: string[];
    };
    // Poisson arrivals at 3.2/s for 2000 s (6400 expected, sd 80), every one accounted for.
    expect(Math.abs(out.requests - 6400)).toBeLessThan(4 * 80);
    expect(out.completed + out.rejected + out.unfinished).toBe(out.requests);
    // 4 prefill servers, mean 0.5 s: busy fraction λ·E[S]/c = 0.4 (sd ≈ 2% of it).
    expect(Math.abs(out.prefill_util - 0.4)).toBeLessThan(0.03);
    expect(out.paths).toEqual(expect.arrayContaining(['duration_s', 'datacenter', 'workload']));
  });

  it('type-checks a TypeScript consumer against its declarations (no @types/node, lib check on)', () => {
    writeFileSync(
      join(app, 'use.ts'),
      `import { checkScenario, runScenario, type ScenarioInput, type Summary } from 'splitsim';
const input: ScenarioInput = {
  name: 'tiny',
  duration_s: 10,
  datacenter: { racks: [{ name: 'r', nodes: [{ count: 1, role: 'prefill', service: { prefill: { dist: 'exponential', mean_s: 0.1 } } }, { count: 1, role: 'decode', service: { decode: { dist: 'exponential', mean_s: 0.1 } } }] }] },
  workload: { arrivals: { process: 'poisson', rate_per_s: 1 }, prompt_tokens: { dist: 'constant', value: 10 }, output_tokens: { dist: 'constant', value: 10 } },
};
const summary: Summary = runScenario(checkScenario(input)).summary;
const p99: number | null = summary.ttft_p99_s;
export { p99 };
`,
    );
    // The same consumer with a misspelt distribution must fail: the check has teeth.
    writeFileSync(
      join(app, 'bad.ts'),
      `import type { ScenarioInput } from 'splitsim';\nexport const d: ScenarioInput['workload']['prompt_tokens'] = { dist: 'fixed', value: 10 };\n`,
    );
    const tsconfig = (file: string) => ({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      files: [file],
    });
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(tsconfig('use.ts')));
    writeFileSync(join(app, 'tsconfig.bad.json'), JSON.stringify(tsconfig('bad.ts')));
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
    const bad = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.bad.json'], { cwd: app, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/"fixed"/);
  });

  it('runs its CLI and a sweep on worker threads without tsx (compiled worker module)', () => {
    expect(
      run(
        join(app, 'node_modules/.bin/splitsim'),
        ['validate', 'node_modules/splitsim/scenarios/queueing/mm4-tandem.json'],
        app,
      ),
    ).toMatch(/mm4-tandem\.json: ok/);
    // Worker threads only (the main thread claims nothing), from the installed dist/.
    writeFileSync(
      join(app, 'sweep.mjs'),
      `import { executeRuns } from './node_modules/splitsim/dist/studies/sweep-run.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const file = join(process.cwd(), 'node_modules/splitsim/scenarios/queueing/mm4-tandem.json');
const json = { ...JSON.parse(readFileSync(file, 'utf8')), duration_s: 50, warmup_s: 5 };
const base = { file, json, paths: [] };
const runs = [1, 2].map((seed, index) => ({ id: 'r' + seed, index, point: 0, replication: index, seed, values: {} }));
const done = await executeRuns(runs, base, mkdtempSync(join(tmpdir(), 'splitsim-pack-runs-')), 2, { thisThreadWorks: false });
console.log(JSON.stringify([...done.keys()].sort()));
`,
    );
    expect(JSON.parse(run(process.execPath, ['sweep.mjs'], app))).toEqual(['r1', 'r2']);
    expect(
      spawnSync(process.execPath, ['-e', "import('tsx').then(() => process.exit(0), () => process.exit(3))"], {
        cwd: app,
      }).status,
    ).toBe(3);
  });
});
