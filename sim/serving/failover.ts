import type { Instance, Network, Topology } from '../datacenter/index.js';
import type { Calendar } from '../engine/index.js';
import type { PhaseServer } from './phase-server.js';
import type { Pool } from './pool.js';
import { PrefillBatcher } from './prefill-batcher.js';
import type { Request } from './request.js';
import { restartHandoff, restartPrefill } from './request-life.js';
import { InvariantError } from '../engine/index.js';

/** What fails with an instance: its phase servers, or its colocated engine. */
export interface FailureUnit {
  /** Drop everything; return the requests it held or queued. */
  fail(now: number): Request[];
  repair(): void;
}

/** What the failover needs of the request's life. */
export interface FailoverHost {
  readonly prefill: Pool;
  readonly decode: Pool;
  rejected(request: Request, reason: string): void;
}

/**
 * Instance and link failures, and what becomes of the requests they hit (docs/faults.md).
 *
 * An instance fails: everything it runs or queues is displaced; so are the prompts
 * whose KV it held for a hand-off (withdrawn from the decode side, transfers stopped).
 * A displaced request whose prompt KV survives on its prefill instance is handed off
 * again; one whose KV is gone starts again at prefill, recomputing its prompt and the
 * tokens it had generated (those were streamed: TTFT stands). Past `maxRetries`
 * displacements it is rejected with the cause.
 */
export class Failover {
  constructor(
    private readonly calendar: Calendar,
    private readonly host: FailoverHost,
    private readonly units: ReadonlyMap<Instance, readonly FailureUnit[]>,
    private readonly maxRetries: number,
    private readonly network: Network | null,
    private readonly topology: Topology | null,
  ) {}

  failInstance(inst: Instance, cause: string): void {
    const now = this.calendar.now_s;
    if (!inst.fail(now)) return;
    const { prefill, decode } = this.host;
    const lost: Request[] = [];
    for (const unit of this.units.get(inst) ?? []) lost.push(...unit.fail(now));
    for (const pool of [prefill, decode]) {
      for (const s of pool.servers) if (s.instance === inst) pool.serverDown(s);
    }
    // Decoders whose KV reservation for a withdrawn hand-off was freed.
    const freed = new Set<PhaseServer>();
    for (const s of prefill.servers) {
      if (s.instance !== inst || !(s instanceof PrefillBatcher)) continue;
      for (const r of s.dropHeld()) {
        if (!decode.withdraw(r)) {
          for (const d of decode.servers) {
            if (d.withdraw(r)) {
              freed.add(d);
              break;
            }
          }
        }
        lost.push(r);
      }
    }
    for (const r of lost) this.displace(r, cause);
    // Only now may they grant waiting hand-offs: earlier, one could have been granted a
    // transfer from the failed instance.
    for (const d of freed) if (!d.down) d.kick();
  }

  repairInstance(inst: Instance): void {
    if (!inst.repair(this.calendar.now_s)) return;
    for (const unit of this.units.get(inst) ?? []) unit.repair();
    for (const pool of [this.host.prefill, this.host.decode]) {
      if (pool.servers.some((s) => s.instance === inst)) pool.serverUp();
    }
  }

  /** A link fails or is repaired: the transfers crossing it stall or resume. */
  setLinkDown(name: string, down: boolean): void {
    const link = this.topology?.byName.get(name);
    // resolve() checked the name against the same topology.
    if (!link || !this.network) throw new InvariantError(`no link named ${name}`);
    this.network.setDown(link, down);
  }

  private displace(r: Request, cause: string): void {
    const now = this.calendar.now_s;
    r.retries++;
    if (r.kvHolder && !r.kvHolder.instance.isUp) r.kvHolder = null;
    if (r.retries > this.maxRetries) {
      r.kvHolder?.release(r);
      this.host.rejected(r, `${cause} at ${now} s; retry limit (${this.maxRetries}) reached`);
      return;
    }
    if (r.kvHolder) {
      // Its prompt KV is still on its prefill instance: only the hand-off starts again.
      restartHandoff(r, now);
      this.host.decode.submit(r);
      return;
    }
    restartPrefill(r, now);
    this.host.prefill.submit(r);
  }
}
