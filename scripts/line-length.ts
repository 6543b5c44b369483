// npm run format:check runs this after prettier: lists file:line of every source line over
// LIMIT_CHARS characters and exits 1 if there is any. Prettier keeps to the limit where it can,
// but never breaks a string, a template literal or a comment; this catches those.
// Why 120: prettier's printWidth (.prettierrc.json), the bound issue 19 set for the sources;
// an assumption (a line read without scrolling beside a file tree), not a measured threshold.
// One exception: a line whose only text past the limit is a URL (a cited source in a comment
// cannot be wrapped without breaking the link).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const LIMIT_CHARS = 120;

/** The folders checked, and the folders inside them left out (test inputs kept as found). */
const ROOTS = ['sim', 'test', 'bench', 'scripts', 'bin'];
const SKIPPED = new Set(['test/fixtures']);

export interface LongLine {
  file: string;
  line: number;
  chars: number;
}

const URL_TOKEN = /https?:\/\/\S+/g;

/**
 * Whether `text` (one line) is within `limit` characters, or over it only by a URL: every
 * character past the limit belongs to one http(s) URL that runs to the end of the line.
 * Characters are code points, as an editor counts them (`µ`, `×` and `≤` are one each);
 * trailing spaces do not count (prettier removes them).
 */
export function lineFits(text: string, limit = LIMIT_CHARS): boolean {
  const line = text.trimEnd();
  const chars = [...line];
  if (chars.length <= limit) return true;
  const overrun = chars.slice(0, limit).join('').length; // UTF-16 offset of the first character past the limit
  const last = [...line.matchAll(URL_TOKEN)].at(-1);
  return last !== undefined && last.index <= overrun && last.index + last[0].length === line.length;
}

/** The lines of `text` over the limit (1-based line numbers), URL-only overruns left out. */
export function longLines(text: string, limit = LIMIT_CHARS): { line: number; chars: number }[] {
  return text.split('\n').flatMap((l, i) => (lineFits(l, limit) ? [] : [{ line: i + 1, chars: [...l].length }]));
}

function sourceFiles(root: string, dir: string): string[] {
  if (!existsSync(dir) || SKIPPED.has(relative(root, dir).split('\\').join('/'))) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(root, path);
    return e.isFile() && /\.(ts|js)$/.test(e.name) ? [path] : [];
  });
}

/** Every over-long line of the .ts and .js sources under `root` (its top-level files included). */
export function longSourceLines(root: string, limit = LIMIT_CHARS): LongLine[] {
  const top = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|js)$/.test(e.name))
    .map((e) => join(root, e.name));
  const files = [...top, ...ROOTS.flatMap((d) => sourceFiles(root, join(root, d)))];
  return files
    .map((path) => relative(root, path).split('\\').join('/'))
    .sort()
    .flatMap((file) => longLines(readFileSync(join(root, file), 'utf8'), limit).map((l) => ({ file, ...l })));
}

function main(): number {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const long = longSourceLines(root);
  for (const l of long) console.log(`${l.file}:${l.line}: ${l.chars} characters`);
  if (long.length > 0) {
    console.error(
      `${long.length} source line${long.length === 1 ? '' : 's'} over ${LIMIT_CHARS} characters: ` +
        'rewrap the comment, or break the string or template into pieces',
    );
    return 1;
  }
  console.log(`no source line over ${LIMIT_CHARS} characters`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main();
