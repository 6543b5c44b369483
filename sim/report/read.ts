import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Table, tableFromIPC } from 'apache-arrow';
import type { RunInfo } from '../run-to-folder.js';
import { InputError } from '../scenario/problems.js';

/** One scenario's result folder: its tables and settings. */
export interface RunFolder {
  dir: string;
  name: string;
  /** From run.json; null for folders written before it existed (no SLO lines then). */
  info: RunInfo | null;
  requests: Table;
  nodes: Table;
  pools: Table;
  links: Table;
  summary: Table;
}

/** The expanded grid of a sweep (its sweep.json). */
export interface SweepDescription {
  name: string;
  base: string;
  paths: string[];
  points: Array<Record<string, unknown>>;
  replications: number;
}

export type ResultSet =
  /** `older`: scenario folders in `dir` left out as not of the latest batch (empty with `all`). */
  | { kind: 'runs'; dir: string; runs: RunFolder[]; older?: string[] }
  | { kind: 'sweep'; dir: string; sweep: SweepDescription; summary: Table }
  | { kind: 'plan'; dir: string; name: string; plan: Table };

const RUN_TABLES = ['requests', 'nodes', 'pools', 'links', 'summary'] as const;

/**
 * What a results folder holds: a plan (plan.arrow), a sweep (sweep.json and
 * summary.arrow), one scenario's tables, or a batch of scenario folders. A folder of
 * scenario folders with a summary.arrow (written by the last `run` of several
 * scenarios) is read as that batch only, in its order — or, when scenario folders
 * were written after it (runs of one scenario write no batch summary), as those —
 * and the older folders beside it are left out (and named) unless `all`, when they
 * follow the batch by name.
 * Anything else is an input error.
 */
export function readResults(dir: string, options: { all?: boolean } = {}): ResultSet {
  const where = `splitsim report ${dir}`;
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InputError(where, [{ path: '', message: 'is not a folder' }]);
  if (existsSync(join(dir, 'plan.arrow'))) {
    return { kind: 'plan', dir, name: basename(dir), plan: readTable(join(dir, 'plan.arrow'), where) };
  }
  if (existsSync(join(dir, 'sweep.json'))) {
    if (!existsSync(join(dir, 'summary.arrow'))) {
      throw new InputError(where, [
        { path: '', message: 'a sweep without summary.arrow: run `splitsim merge` on its shards first' },
      ]);
    }
    const sweep = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepDescription;
    return { kind: 'sweep', dir, sweep, summary: readTable(join(dir, 'summary.arrow'), where) };
  }
  if (isRunFolder(dir)) return { kind: 'runs', dir, runs: [readRun(dir, where)] };
  const folders = readdirSync(dir)
    .filter((e) => !e.startsWith('.') && isRunFolder(join(dir, e)))
    .sort();
  if (folders.length === 0) {
    throw new InputError(where, [
      {
        path: '',
        message: 'holds no results: expected a scenario folder (requests.arrow …), a folder of them, a sweep or a plan',
      },
    ]);
  }
  const order = batchOrder(dir, where);
  folders.sort((a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b));
  // A run writes DIR/<scenario name>/, so the batch's folders are its summary's names.
  // A run of one scenario writes no DIR/summary.arrow: folders written after it are
  // later runs, and the latest are those.
  const batchTime = order.length > 0 ? statSync(join(dir, 'summary.arrow')).mtimeMs : 0;
  const later = folders.filter(
    (f) => !order.includes(f) && statSync(join(dir, f, 'summary.arrow')).mtimeMs > batchTime,
  );
  const latest =
    options.all || order.length === 0 ? folders : later.length > 0 ? later : folders.filter((f) => order.includes(f));
  const drawn = latest.length > 0 ? latest : folders;
  const older = folders.filter((f) => !drawn.includes(f));
  return { kind: 'runs', dir, runs: drawn.map((f) => readRun(join(dir, f), where)), older };
}

/** Read the given scenario folders (a batch just run), in that order. */
export function readRuns(dir: string, folders: readonly string[]): ResultSet {
  return { kind: 'runs', dir, runs: folders.map((f) => readRun(f, `splitsim report ${f}`)) };
}

function isRunFolder(dir: string): boolean {
  return RUN_TABLES.every((t) => existsSync(join(dir, `${t}.arrow`)));
}

function readRun(dir: string, where: string): RunFolder {
  const [requests, nodes, pools, links, summary] = RUN_TABLES.map((t) =>
    readTable(join(dir, `${t}.arrow`), where),
  ) as Table[];
  const infoPath = join(dir, 'run.json');
  const info = existsSync(infoPath) ? (JSON.parse(readFileSync(infoPath, 'utf8')) as RunInfo) : null;
  const name = (summary?.getChild('scenario')?.get(0) as string | null) ?? basename(dir);
  return {
    dir,
    name,
    info,
    requests: requests as Table,
    nodes: nodes as Table,
    pools: pools as Table,
    links: links as Table,
    summary: summary as Table,
  };
}

function batchOrder(dir: string, where: string): string[] {
  const path = join(dir, 'summary.arrow');
  if (!existsSync(path)) return [];
  const col = readTable(path, where).getChild('scenario');
  return col ? (col.toArray() as string[]) : [];
}

function rank(order: string[], name: string): number {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
}

function readTable(path: string, where: string): Table {
  try {
    return tableFromIPC(readFileSync(path));
  } catch (err) {
    throw new InputError(where, [
      { path: basename(path), message: `is not a readable Arrow file (${(err as Error).message})` },
    ]);
  }
}
