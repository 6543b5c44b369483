import { type Deployment, replicaNicGbps } from '../physics/index.js';
import type { Instance, Windows } from './instance.js';
import { Link } from './network.js';

export interface NetworkSpec {
  spine_gbps?: number | undefined;
  latency_us: number;
}

const bytesPerSecond = (gbps: number | undefined) => (gbps === undefined ? Infinity : (gbps * 1e9) / 8);

/** What naming a datacenter's links needs of an instance (its spec). */
export interface Placed {
  index: number;
  name: string;
  rack: string;
  uplink_gbps?: number | undefined;
  deployment?: Deployment | undefined;
}

type LinkKind = 'spine' | 'up' | 'down' | 'tx' | 'rx';

/** Every link a datacenter could have, in links.arrow order, with its bandwidth (undefined = unconstrained). */
function candidateLinks(
  instances: readonly Placed[],
  net: NetworkSpec,
): Array<{ name: string; gbps: number | undefined; kind: LinkKind; owner: Placed | null }> {
  const all: Array<{ name: string; gbps: number | undefined; kind: LinkKind; owner: Placed | null }> = [
    { name: 'spine', gbps: net.spine_gbps, kind: 'spine', owner: null },
  ];
  const racks = new Set<string>();
  for (const inst of instances) {
    if (!racks.has(inst.rack)) {
      racks.add(inst.rack);
      all.push({ name: `${inst.rack}/uplink`, gbps: inst.uplink_gbps, kind: 'up', owner: inst });
      all.push({ name: `${inst.rack}/downlink`, gbps: inst.uplink_gbps, kind: 'down', owner: inst });
    }
    const nic = inst.deployment ? replicaNicGbps(inst.deployment) : undefined;
    all.push({ name: `${inst.name}/nic-tx`, gbps: nic, kind: 'tx', owner: inst });
    all.push({ name: `${inst.name}/nic-rx`, gbps: nic, kind: 'rx', owner: inst });
  }
  return all;
}

/** Names of the links that exist (finite capacity): what a link fault may name. */
export function linkNames(instances: readonly Placed[], net: NetworkSpec): string[] {
  return candidateLinks(instances, net)
    .filter((l) => Number.isFinite(bytesPerSecond(l.gbps)))
    .map((l) => l.name);
}

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
  readonly byName = new Map<string, Link>();
  // By instance index: a route is looked up on every hand-off.
  private readonly tx: Array<Link | undefined> = [];
  private readonly rx: Array<Link | undefined> = [];
  /** Its rack's uplink and downlink. */
  private readonly up: Array<Link | undefined> = [];
  private readonly down: Array<Link | undefined> = [];
  private spine: Link | undefined;

  constructor(
    instances: readonly Instance[],
    private readonly net: NetworkSpec,
    w: Windows,
  ) {
    const up = new Map<string, Link>();
    const down = new Map<string, Link>();
    for (const c of candidateLinks(
      instances.map((i) => i.spec),
      net,
    )) {
      const capacity = bytesPerSecond(c.gbps);
      if (!Number.isFinite(capacity)) continue;
      const link = new Link(c.name, capacity, w);
      this.links.push(link);
      this.byName.set(c.name, link);
      const owner = c.owner as Placed;
      if (c.kind === 'spine') this.spine = link;
      else if (c.kind === 'up') up.set(owner.rack, link);
      else if (c.kind === 'down') down.set(owner.rack, link);
      else if (c.kind === 'tx') this.tx[owner.index] = link;
      else this.rx[owner.index] = link;
    }
    for (const inst of instances) {
      this.up[inst.index] = up.get(inst.spec.rack);
      this.down[inst.index] = down.get(inst.spec.rack);
    }
  }

  /** The constraining links from `src` to `dst`, and the path's latency. */
  route(src: Instance, dst: Instance): { path: Link[]; latency_s: number } {
    const path: Link[] = [];
    addHop(path, this.tx[src.index]);
    const sameRack = src.spec.rack === dst.spec.rack;
    if (!sameRack) {
      addHop(path, this.up[src.index]);
      addHop(path, this.spine);
      addHop(path, this.down[dst.index]);
    }
    addHop(path, this.rx[dst.index]);
    // Every hop adds `latency_us`, constraining or not (docs/physics.md).
    const hops = sameRack ? HOPS_IN_RACK : HOPS_ACROSS_RACKS;
    return { path, latency_s: hops * this.net.latency_us * 1e-6 };
  }

  close(t_s: number): void {
    for (const l of this.links) l.close(t_s);
  }
}

/** NIC-tx → NIC-rx within a rack; across racks, through the uplink, spine and downlink too. */
const HOPS_IN_RACK = 2;
const HOPS_ACROSS_RACKS = 5;

/** A hop constrains the flow only when its link exists (has a finite capacity). */
function addHop(path: Link[], link: Link | undefined): void {
  if (link) path.push(link);
}
