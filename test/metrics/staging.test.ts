// Who may remove a staging folder: only its own host's dead process, or anyone once
// its heartbeat is older than STALE_AFTER_MS; a result commits whoever else is writing it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import {
  hostTag,
  ownerOf,
  removeAbandoned,
  removeOwnStaging,
  STALE_AFTER_MS,
  stagingName,
} from '../../sim/metrics/staging.js';
import { ResultFolder } from '../../sim/metrics/write.js';

/** A pid that was alive a moment ago and is not now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

function folder(parent: string, entry: string, age_ms = 0): string {
  const path = join(parent, entry);
  mkdirSync(path);
  writeFileSync(join(path, 'requests.arrow'), 'partial');
  const t = new Date(Date.now() - age_ms);
  utimesSync(path, t, t);
  return path;
}

describe('staging folder ownership', () => {
  const here = hostTag();
  const foreign = here === 'deadbeef' ? 'feedface' : 'deadbeef';

  it('names carry the host, the pid and a nonce, unique per folder', () => {
    const a = stagingName('run');
    const b = stagingName('run');
    expect(a).not.toBe(b);
    expect(ownerOf(a, 'run')).toEqual({ host: here, pid: process.pid });
    expect(ownerOf(`${a}.old`, 'run')).toEqual({ host: here, pid: process.pid });
    expect(ownerOf('.run.partial-123', 'run')).toEqual({ host: null, pid: 123 });
    expect(ownerOf('.other.partial-123', 'run')).toBeNull();
    expect(ownerOf('run', 'run')).toBeNull();
  });

  it('the host tag is stable within a process', () => {
    expect(hostTag()).toBe(here);
    expect(here).toMatch(/^[0-9a-f]{8}$/);
  });

  it('another host’s live-looking folder is left alone even when its pid is dead here; a stale one goes', () => {
    const parent = mkdtempSync(join(tmpdir(), 'splitsim-staging-'));
    const dead = deadPid();
    const fresh = `.run.partial-${foreign}-${dead}-0a0b0c0d`;
    const stale = `.run.partial-${foreign}-${dead}-01020304`;
    folder(parent, fresh, STALE_AFTER_MS / 2);
    folder(parent, stale, STALE_AFTER_MS + 60_000);
    removeAbandoned(parent, 'run');
    expect(readdirSync(parent)).toEqual([fresh]);
  });

  it('this host’s folder goes when its process is gone, stays while it lives', () => {
    const parent = mkdtempSync(join(tmpdir(), 'splitsim-staging-'));
    const gone = `.run.partial-${here}-${deadPid()}-0a0b0c0d`;
    const live = `.run.partial-${here}-${process.ppid}-01020304`;
    const legacy = '.run.partial-4194304'; // a pre-host name: judged by its heartbeat only
    folder(parent, gone);
    folder(parent, live);
    folder(parent, legacy);
    folder(parent, '.other.partial-deadbeef-1-00000000', STALE_AFTER_MS * 2); // another result's: not ours to judge
    removeAbandoned(parent, 'run');
    expect(readdirSync(parent).sort()).toEqual(['.other.partial-deadbeef-1-00000000', legacy, live].sort());
  });

  it('removeOwnStaging removes this process’s folders only', () => {
    const parent = mkdtempSync(join(tmpdir(), 'splitsim-staging-'));
    const mine = stagingName('p000-r0');
    const theirs = `.p001-r0.partial-${foreign}-${process.pid}-0a0b0c0d`;
    folder(parent, mine);
    folder(parent, theirs);
    folder(parent, 'p002-r0');
    removeOwnStaging(parent);
    expect(readdirSync(parent).sort()).toEqual(['p002-r0', theirs].sort());
  });
});

describe('ResultFolder', () => {
  const table = (v: number) => tableFromArrays({ v: Float64Array.from([v]) });

  it('two writers of one result each stage apart; both commit, the last one wins', () => {
    const parent = mkdtempSync(join(tmpdir(), 'splitsim-staging-'));
    const dir = join(parent, 'res');
    const a = new ResultFolder(dir);
    const b = new ResultFolder(dir);
    expect(a.staging).not.toBe(b.staging);
    a.write('t', table(1));
    b.write('t', table(2));
    b.commit();
    a.commit();
    expect(readdirSync(parent)).toEqual(['res']);
    expect(
      tableFromIPC(readFileSync(join(dir, 't.arrow')))
        .getChild('v')
        ?.get(0),
    ).toBe(1); // a's: committed last
    expect(existsSync(a.staging) || existsSync(b.staging)).toBe(false);
  });

  it('the heartbeat refreshes the staging folder’s mtime', () => {
    const parent = mkdtempSync(join(tmpdir(), 'splitsim-staging-'));
    const f = new ResultFolder(join(parent, 'res'));
    const old = new Date(Date.now() - STALE_AFTER_MS * 2);
    utimesSync(f.staging, old, old);
    f.heartbeat(Date.now() + 60_000); // past the throttle
    removeAbandoned(parent, 'res', Date.now(), 'ffffffff'); // judged as if from another host
    expect(existsSync(f.staging)).toBe(true);
    f.abort();
    expect(readdirSync(parent)).toEqual([]);
  });
});
