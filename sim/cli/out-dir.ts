import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../scenario/problems.js';

/**
 * The `--out` folder, checked before anything runs: not empty (an empty path would
 * write into the working directory), and neither it nor a folder above it an existing
 * file (mkdir would fail half-way with a raw EEXIST or ENOTDIR).
 */
export function outDir(command: string, value: string | undefined): string {
  const out = value ?? 'results';
  const bad = (message: string) => new InputError(`splitsim ${command}`, [{ path: '--out', message }]);
  if (out.trim() === '') throw bad('must not be empty (give a folder, e.g. --out results)');
  for (let p = resolve(out); ; p = dirname(p)) {
    const kind = kindOf(p);
    if (kind === 'folder') break;
    if (kind === 'other')
      throw bad(p === resolve(out) ? `${out} is a file, not a folder` : `${out}: ${p} is a file, not a folder`);
    if (dirname(p) === p) break;
  }
  return out;
}

function kindOf(path: string): 'folder' | 'other' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'other';
  } catch {
    return 'missing';
  }
}
