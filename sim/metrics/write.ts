import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Table, tableToIPC } from 'apache-arrow';

/**
 * Write tables as Arrow IPC files into `dir`, all or nothing: they are written to a
 * hidden sibling folder that replaces `dir` in one rename, so an interrupted or failed
 * write never leaves a half-written result folder where a complete one is expected.
 */
export function writeTables(dir: string, tables: Record<string, Table>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const staging = join(parent, `.${dir.split(/[\\/]/).pop()}.partial-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  try {
    for (const [name, table] of Object.entries(tables)) {
      writeFileSync(join(staging, `${name}.arrow`), tableToIPC(table, 'file'));
    }
    const old = `${staging}.old`;
    let hadOld = false;
    try {
      renameSync(dir, old);
      hadOld = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    renameSync(staging, dir);
    if (hadOld) rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Write one table as an Arrow IPC file, atomically (temporary file, then rename). */
export function writeTable(path: string, table: Table): void {
  mkdirSync(dirname(path), { recursive: true });
  const staging = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(staging, tableToIPC(table, 'file'));
    renameSync(staging, path);
  } catch (err) {
    rmSync(staging, { force: true });
    throw err;
  }
}
