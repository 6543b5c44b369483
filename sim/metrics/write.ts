import { closeSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type RecordBatch, RecordBatchFileWriter, type Table, tableToIPC } from 'apache-arrow';
import type { BatchSink } from './request-log.js';

/**
 * A result folder written all or nothing: tables go to a hidden sibling folder that
 * replaces `dir` in one rename on commit, so a failed or interrupted run never leaves a
 * half-written result folder where a complete one is expected.
 */
export class ResultFolder {
  readonly staging: string;
  private readonly open: ArrowFileSink[] = [];

  constructor(readonly dir: string) {
    const parent = dirname(dir);
    mkdirSync(parent, { recursive: true });
    const name = dir.split(/[\\/]/).pop() as string;
    removeAbandoned(parent, name);
    this.staging = join(parent, `.${name}.partial-${process.pid}`);
    rmSync(this.staging, { recursive: true, force: true });
    mkdirSync(this.staging);
  }

  /** A table streamed batch by batch into `<name>.arrow`. */
  stream(name: string): ArrowFileSink {
    const sink = new ArrowFileSink(join(this.staging, `${name}.arrow`));
    this.open.push(sink);
    return sink;
  }

  /**
   * A path for a scratch file inside the staging folder. Its user removes it before the
   * commit (the run does, when it ends); an aborted folder goes with everything in it.
   */
  scratch(name: string): string {
    return join(this.staging, `.${name}.scratch`);
  }

  write(name: string, table: Table): void {
    writeFileSync(join(this.staging, `${name}.arrow`), tableToIPC(table, 'file'));
  }

  /** A small JSON file beside the tables (what a reader needs to interpret them). */
  writeJson(name: string, value: unknown): void {
    writeFileSync(join(this.staging, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`);
  }

  commit(): void {
    for (const s of this.open) s.close();
    const old = `${this.staging}.old`;
    let hadOld = false;
    try {
      renameSync(this.dir, old);
      hadOld = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    renameSync(this.staging, this.dir);
    if (hadOld) rmSync(old, { recursive: true, force: true });
  }

  abort(): void {
    for (const s of this.open) s.close();
    rmSync(this.staging, { recursive: true, force: true });
  }
}

/**
 * A run killed mid-write (Ctrl-C, SIGTERM, OOM) leaves its hidden staging folder, never
 * a half-written result folder; the next write of the same result removes staging
 * folders whose process is gone.
 */
function removeAbandoned(parent: string, name: string): void {
  const prefix = `.${name}.partial-`;
  for (const entry of readdirSync(parent)) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(entry.slice(prefix.length).replace(/\.old$/, ''));
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(parent, entry), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An Arrow IPC file written as record batches arrive. apache-arrow's writer queues its
 * bytes in memory until read; we drain that queue to the file after every batch (its
 * `_sink._values`, internal to apache-arrow 21: tests/metrics compare the file with
 * tableToIPC of the same batches, so a change there fails loudly).
 */
export class ArrowFileSink implements BatchSink {
  private readonly writer = new RecordBatchFileWriter({ autoDestroy: false });
  private readonly fd: number;
  private closed = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(batch: RecordBatch): void {
    this.writer.write(batch);
    this.drain();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.finish();
    this.drain();
    closeSync(this.fd);
  }

  private drain(): void {
    const queue = (this.writer as unknown as { _sink: { _values: Uint8Array[] } })._sink._values;
    for (const chunk of queue) writeSync(this.fd, chunk);
    queue.length = 0;
  }
}

/** Write tables as Arrow IPC files into `dir`, all or nothing. */
export function writeTables(dir: string, tables: Record<string, Table>): void {
  const folder = new ResultFolder(dir);
  try {
    for (const [name, table] of Object.entries(tables)) folder.write(name, table);
    folder.commit();
  } catch (err) {
    folder.abort();
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
