import { replicaNicGbps } from '../physics/index.js';
import type { Instance, Windows } from './instance.js';
import { Link } from './network.js';

export interface NetworkSpec {
  spine_gbps?: number | undefined;
  latency_us: number;
}

const bytesPerSecond = (gbps: number | undefined) => (gbps === undefined ? Infinity : (gbps * 1e9) / 8);

/**
 * The links of a two-tier datacenter: each instance's NIC (one link per direction),
 * each rack's uplink and downlink to the spine, and the spine itself. A transfer
 * between racks crosses NIC → uplink → spine → downlink → NIC (5 hops); within a rack,
 * NIC → NIC through the rack switch (2 hops). Links of unstated capacity (a queueing
 * instance's NIC, a rack without `uplink_gbps`, no `spine_gbps`) never constrain a
 * flow and are left out of paths.
 */
export class Topology {
  readonly links: Link[] = [];
  private readonly tx = new Map<Instance, Link | null>();
  private readonly rx = new Map<Instance, Link | null>();
  private readonly up = new Map<string, Link | null>();
  private readonly down = new Map<string, Link | null>();
  private readonly spine: Link | null;

  constructor(instances: readonly Instance[], private readonly net: NetworkSpec, w: Windows) {
    const make = (name: string, gbps: number | undefined): Link | null => {
      const capacity = bytesPerSecond(gbps);
      if (!Number.isFinite(capacity)) return null;
      const link = new Link(name, capacity, w);
      this.links.push(link);
      return link;
    };
    this.spine = make('spine', net.spine_gbps);
    for (const inst of instances) {
      const rack = inst.spec.rack;
      if (!this.up.has(rack)) {
        this.up.set(rack, make(`${rack}/uplink`, inst.spec.uplink_gbps));
        this.down.set(rack, make(`${rack}/downlink`, inst.spec.uplink_gbps));
      }
      const nic = inst.spec.deployment ? replicaNicGbps(inst.spec.deployment) : undefined;
      this.tx.set(inst, make(`${inst.name}/nic-tx`, nic));
      this.rx.set(inst, make(`${inst.name}/nic-rx`, nic));
    }
  }

  /** The constraining links from `src` to `dst`, and the path's latency. */
  route(src: Instance, dst: Instance): { path: Link[]; latency_s: number } {
    const sameRack = src.spec.rack === dst.spec.rack;
    const hops = sameRack
      ? [this.tx.get(src), this.rx.get(dst)]
      : [this.tx.get(src), this.up.get(src.spec.rack), this.spine, this.down.get(dst.spec.rack), this.rx.get(dst)];
    return {
      path: hops.filter((l): l is Link => l !== null && l !== undefined),
      latency_s: hops.length * this.net.latency_us * 1e-6,
    };
  }

  close(t_s: number): void {
    for (const l of this.links) l.close(t_s);
  }
}
