import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type RecordBatch, RecordBatchFileWriter, type Table, tableToIPC } from 'apache-arrow';
import type { BatchSink } from './request-log.js';
import { HEARTBEAT_EVERY_MS, hostTag, removeAbandoned, stagingName, touch } from './staging.js';

/**
 * A result folder written all or nothing: tables go to a hidden sibling folder that
 * replaces `dir` in one rename on commit, so a failed or interrupted run never leaves a
 * half-written result folder where a complete one is expected.
 */
export class ResultFolder {
  readonly staging: string;
  private readonly open: ArrowFileSink[] = [];
  private lastBeat_ms = Date.now();

  constructor(readonly dir: string) {
    const parent = dirname(dir);
    mkdirSync(parent, { recursive: true });
    const name = basename(dir);
    const host = hostTag();
    removeAbandoned(parent, name, Date.now(), host);
    // A name of its own: a concurrent run of the same result (another process, another
    // container on a shared volume) has its own folder; the last to commit wins.
    this.staging = join(parent, stagingName(name, host));
    mkdirSync(this.staging);
  }

  /**
   * Tell other runs this folder is alive (its mtime; staging.ts): called from the run's
   * progress callback, it touches the folder at most every HEARTBEAT_EVERY_MS.
   */
  heartbeat(now_ms = Date.now()): void {
    if (now_ms - this.lastBeat_ms < HEARTBEAT_EVERY_MS) return;
    this.lastBeat_ms = now_ms;
    touch(this.staging);
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

  /**
   * Replace `dir` with the staging folder. A concurrent run may commit the same result
   * between our two renames (its folder then stands where ours should go): set it aside
   * too and try again, so both runs finish and the last rename wins.
   */
  commit(): void {
    for (const s of this.open) s.close();
    const old = `${this.staging}.old`;
    for (let attempt = 1; ; attempt++) {
      let hadOld = false;
      try {
        renameSync(this.dir, old);
        hadOld = true;
        touch(old); // its mtime is the old result's: mark it live while it is ours
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      try {
        renameSync(this.staging, this.dir);
        if (hadOld) rmSync(old, { recursive: true, force: true });
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const raced = (code === 'ENOTEMPTY' || code === 'EEXIST') && attempt < COMMIT_ATTEMPTS;
        if (!raced) {
          if (hadOld) restore(old, this.dir);
          throw err;
        }
        // A newer result than the one we set aside stands at `dir`: ours replaces it.
        if (hadOld) rmSync(old, { recursive: true, force: true });
      }
    }
  }

  abort(): void {
    for (const s of this.open) s.close();
    rmSync(this.staging, { recursive: true, force: true });
  }
}

/** Put a result set aside by a failed commit back in place, unless another run has committed one. */
function restore(old: string, dir: string): void {
  try {
    renameSync(old, dir);
  } catch {
    rmSync(old, { recursive: true, force: true });
  }
}

/** Renames a commit tries before giving up: each retry means another run committed the same result meanwhile. */
const COMMIT_ATTEMPTS = 20;

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
  const staging = uniqueTemp(path);
  try {
    writeFileSync(staging, tableToIPC(table, 'file'));
    renameSync(staging, path);
  } catch (err) {
    rmSync(staging, { force: true });
    throw err;
  }
}

/**
 * A temporary name beside `path`: unique per write, as processes in different
 * containers may share both a volume and a pid.
 */
export function uniqueTemp(path: string): string {
  return `${path}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
}
