import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

// Who owns a hidden staging folder (`.<name>.partial-<host>-<pid>-<nonce>`), and when
// another run may remove it. A results folder may sit on a volume shared by several
// machines or containers, where a pid means nothing outside its own pid namespace:
// a pid is only checked when the folder was made in the same pid namespace of the
// same boot; anything else is judged by its heartbeat (the folder's mtime, touched by
// the live run). Every staging folder has a unique name, so two runs of the same
// result never write into one folder, and a folder is removed only to reclaim space.

/**
 * A staging folder whose heartbeat is older than this is abandoned, whoever made it.
 * Assumption: a live run touches its heartbeat every HEARTBEAT_EVERY_MS while it
 * simulates; its longest stretch without one is the end of a run (summary, last
 * tables, commit), seconds to a few minutes for the largest runs. An hour leaves a
 * wide margin; reclaiming a crashed run's folder is never urgent (names are unique).
 */
export const STALE_AFTER_MS = 60 * 60 * 1000;

/** How often a live run refreshes its heartbeat (at most; from its progress callback). */
export const HEARTBEAT_EVERY_MS = 10_000;

/**
 * This process's host: the hostname, the kernel's boot id and the pid namespace (Linux;
 * elsewhere the hostname alone), hashed to 8 hex digits for the folder name. Two
 * containers on one machine share the boot id but not the pid namespace; one machine
 * after a reboot keeps its hostname but not its boot id.
 */
export function hostTag(): string {
  const parts = [hostname()];
  try {
    parts.push(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    parts.push(readlinkSync('/proc/self/ns/pid'));
  } catch {
    // Not Linux (or /proc hidden): the hostname alone.
  }
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 8);
}

/** A fresh staging name for `name` owned by this process. */
export function stagingName(name: string, host = hostTag()): string {
  return `.${name}.partial-${host}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Owner of a staging entry, from its name (a legacy `.<name>.partial-<pid>` has no host). */
export function ownerOf(entry: string, name: string): { host: string | null; pid: number } | null {
  const prefix = `.${name}.partial-`;
  if (!entry.startsWith(prefix)) return null;
  const rest = entry.slice(prefix.length).replace(/\.old$/, '');
  const m = /^([0-9a-f]{8})-(\d+)-[0-9a-f]+$/.exec(rest);
  if (m) return { host: m[1] as string, pid: Number(m[2]) };
  return /^\d+$/.test(rest) ? { host: null, pid: Number(rest) } : null;
}

/**
 * Remove the staging folders of `name` in `parent` that are abandoned: made on this
 * host by a process that is gone, or, from anywhere, silent for STALE_AFTER_MS.
 * A foreign host's live run (fresh heartbeat) is left alone.
 */
export function removeAbandoned(parent: string, name: string, now_ms = Date.now(), host = hostTag()): void {
  for (const entry of readdirSync(parent)) {
    const owner = ownerOf(entry, name);
    if (!owner) continue;
    const path = join(parent, entry);
    const deadHere = owner.host === host && owner.pid !== process.pid && !alive(owner.pid);
    if (deadHere || now_ms - mtimeOf(path, now_ms) > STALE_AFTER_MS) rmSync(path, { recursive: true, force: true });
  }
}

/**
 * Remove every staging folder in `parent` made by this process (its threads included):
 * what an interrupted sweep's terminated worker threads leave.
 */
export function removeOwnStaging(parent: string, host = hostTag()): void {
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return; // nothing was written
  }
  const mine = new RegExp(`^\\..+\\.partial-${host}-${process.pid}-[0-9a-f]+$`);
  for (const entry of entries) if (mine.test(entry)) rmSync(join(parent, entry), { recursive: true, force: true });
}

/** Refresh a staging folder's heartbeat (its mtime). */
export function touch(path: string): void {
  const now = new Date();
  try {
    utimesSync(path, now, now);
  } catch {
    // Gone (the run is ending); nothing to keep alive.
  }
}

function mtimeOf(path: string, fallback: number): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return fallback; // removed meanwhile: nothing to do
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
