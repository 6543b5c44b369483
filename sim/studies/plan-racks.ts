import { instancePower, nameplateW } from '../physics/index.js';
import { InputError, type InstanceSpec } from '../scenario/index.js';
import type { Design } from './plan.js';

/**
 * A plan's rack power constraint (`rack_power_kw`, `max_racks`): each pool's instances
 * are packed into racks of that budget by their nameplate power (busiest phase plus
 * host, sim/physics/power.ts), a rack holding one pool's instances only, as a built
 * datacenter keeps prefill and decode servers in their own rows (**assumption**; the
 * simulated network still has one rack per pool, so `rack_uplink_gbps` is per pool).
 * A design needing more than `max_racks` racks, or whose one instance draws more than
 * a rack's budget, is infeasible and is not run.
 */
export class RackFit {
  constructor(
    readonly rack_power_kw: number,
    readonly max_racks: number,
    /** Nameplate kW of one instance of each pool of a design. */
    private readonly instanceKw: (d: Design) => { prefill?: number; decode?: number; mixed?: number },
  ) {}

  /** Instances of one pool a rack holds: ⌊budget ÷ nameplate⌋ (0: one draws more than a rack). */
  private perRack(kw: number | undefined): number {
    return kw === undefined ? 0 : Math.floor((this.rack_power_kw * (1 + 1e-12)) / kw);
  }

  /** Racks a design uses; Infinity when one of its instances exceeds a rack's budget. */
  racksUsed(d: Design): number {
    const kw = this.instanceKw(d);
    const racks = (n: number, k: number | undefined) => {
      const per = this.perRack(k);
      return per > 0 ? Math.ceil(n / per) : Infinity;
    };
    return d.kind === 'split'
      ? racks(d.prefillInstances, kw.prefill) + racks(d.decodeInstances, kw.decode)
      : racks(d.instances, kw.mixed);
  }

  /** Why a design cannot be built under the constraint; undefined when it can. */
  unfit(d: Design): string | undefined {
    const kw = this.instanceKw(d);
    for (const [pool, k] of Object.entries(kw)) {
      if (k !== undefined && this.perRack(k) === 0)
        return (
          `one ${pool} instance draws ${fmt(k)} kW at nameplate, ` +
          `more than a rack's ${this.rack_power_kw} kW (rack_power_kw)`
        );
    }
    const used = this.racksUsed(d);
    if (used > this.max_racks)
      return `needs ${used} racks of ${this.rack_power_kw} kW, more than max_racks (${this.max_racks})`;
    return undefined;
  }

  /** The most prefill instances of a split design that fit beside its decode instances (0: none). */
  prefillRoom(d: Design): number {
    if (d.kind !== 'split') return 0;
    const kw = this.instanceKw(d);
    const perP = this.perRack(kw.prefill);
    const perD = this.perRack(kw.decode);
    if (perP === 0 || perD === 0) return 0;
    return Math.max(0, (this.max_racks - Math.ceil(d.decodeInstances / perD)) * perP);
  }

  /** The most mixed instances of a design's candidate that fit. */
  mixedRoom(d: Design): number {
    return this.perRack(this.instanceKw(d).mixed) * this.max_racks;
  }
}

/** Nameplate kW of the first instance of each pool in a design's resolved instances. */
export function poolNameplateKw(instances: readonly InstanceSpec[]): {
  prefill?: number;
  decode?: number;
  mixed?: number;
} {
  const out: { prefill?: number; decode?: number; mixed?: number } = {};
  for (const i of instances) {
    if (out[i.role] !== undefined || !i.deployment) continue;
    out[i.role] = nameplateW(instancePower(i.deployment)) / 1000;
  }
  return out;
}

const fmt = (kw: number) => (Math.round(kw * 100) / 100).toString();

/**
 * The plan's rack constraint, or undefined without `rack_power_kw`. `instancesOf`
 * resolves a design (the catalog sizes its replicas); one resolution per candidate
 * pair, since nameplate power does not depend on the counts.
 */
export function rackFitOf(
  plan: { rack_power_kw?: number | undefined; max_racks?: number | undefined },
  instancesOf: (d: Design) => readonly InstanceSpec[],
): RackFit | undefined {
  if (plan.rack_power_kw === undefined) return undefined;
  const memo = new Map<string, { prefill?: number; decode?: number; mixed?: number }>();
  const one = (d: Design): Design =>
    d.kind === 'split' ? { ...d, prefillInstances: 1, decodeInstances: 1 } : { ...d, instances: 1 };
  return new RackFit(plan.rack_power_kw, plan.max_racks ?? Infinity, (d) => {
    const key = JSON.stringify(one(d));
    let kw = memo.get(key);
    if (!kw) memo.set(key, (kw = poolNameplateKw(instancesOf(one(d)))));
    return kw;
  });
}

/** `max_racks` counts racks of `rack_power_kw`: alone it has no rack size to count. */
export function checkRackFields(
  plan: { rack_power_kw?: number | undefined; max_racks?: number | undefined },
  file: string,
): void {
  if (plan.max_racks !== undefined && plan.rack_power_kw === undefined) {
    throw new InputError(file, [
      {
        path: 'max_racks',
        message: 'needs rack_power_kw: racks are counted by packing instances into racks of that power budget',
      },
    ]);
  }
}
