// npm run check:length — lists the functions in sim/ longer than LIMIT_LINES and exits 1
// if any is not in ALLOWED with its reason. Run in CI after the type-check.
// Why 60 lines: issue 19's bound (a function a reader can hold at once, about a screen);
// an assumption, not a measured threshold.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findFunctions, type FunctionSpan } from './function-scanner.js';

export const LIMIT_LINES = 60;

/**
 * Functions allowed over the limit, as `file:name`, each with why it stays whole.
 * An entry that no longer matches a long function is reported, so the list shrinks.
 */
export const ALLOWED: Readonly<Record<string, string>> = {};

export interface LongFunction extends FunctionSpan {
  file: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Functions over `limit` lines in the .ts files under `dir`, named relative to `root`. */
export function longFunctions(root: string, dir: string, limit = LIMIT_LINES): LongFunction[] {
  return tsFiles(join(root, dir))
    .sort()
    .flatMap((path) => {
      const file = relative(root, path).split('\\').join('/');
      return findFunctions(readFileSync(path, 'utf8'))
        .filter((f) => f.lines > limit)
        .map((f) => ({ ...f, file }));
    });
}

function main(): number {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const long = longFunctions(root, 'sim');
  const keys = new Set(long.map((f) => `${f.file}:${f.name}`));
  let failing = 0;
  for (const f of long) {
    const key = `${f.file}:${f.name}`;
    const reason = ALLOWED[key];
    if (reason === undefined) failing++;
    console.log(
      `${f.file}:${f.start} ${f.name}: ${f.lines} lines${reason === undefined ? '' : ` (allowed: ${reason})`}`,
    );
  }
  for (const key of Object.keys(ALLOWED))
    if (!keys.has(key)) console.log(`allow-list entry ${key} matches no long function: remove it`);
  if (failing > 0) {
    console.error(
      `${failing} function${failing === 1 ? '' : 's'} in sim/ over ${LIMIT_LINES} lines: split into named steps, or allow in scripts/long-functions.ts with a reason`,
    );
    return 1;
  }
  console.log(`no function in sim/ over ${LIMIT_LINES} lines outside the allow-list`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main();
