import { linkNames } from '../datacenter/topology.js';
import { didYouMean } from './problems.js';
import type { InstanceSpec, ResolvedFaults } from './resolved.js';
import type { ScenarioFile } from './schema.js';

type Report = (path: string, message: string) => void;

/**
 * Faults name instances, racks and links as the tables do (`trn-0/prefill-3`,
 * `trn-0`, `trn-0/uplink`); a name that matches nothing is an error with a guess.
 * A rack outage is an outage of every instance in it.
 */
export function resolveFaults(file: ScenarioFile, instances: readonly InstanceSpec[], report: Report): ResolvedFaults {
  const f = file.faults;
  const resolved: ResolvedFaults = {
    maxRetries: f?.max_retries ?? 3,
    instanceOutages: [],
    linkOutages: [],
    random: [],
  };
  if (!f) return resolved;
  const byName = new Map(instances.map((i) => [i.name, i.index]));
  const racks = new Map<string, number[]>();
  for (const i of instances) {
    const list = racks.get(i.rack) ?? [];
    list.push(i.index);
    racks.set(i.rack, list);
  }
  f.instances.forEach((o, k) => {
    const index = byName.get(o.instance);
    if (index === undefined) {
      report(
        `faults.instances[${k}].instance`,
        `no instance is named '${o.instance}'${didYouMean(o.instance, byName.keys())}; names are <rack>-<copy>/<role>-<k>, as in nodes.arrow`,
      );
      return;
    }
    resolved.instanceOutages.push({
      instances: [index],
      at_s: o.at_s,
      repair_s: o.repair_s,
      cause: `instance ${o.instance} failed`,
    });
  });
  f.racks.forEach((o, k) => {
    const members = racks.get(o.rack);
    if (!members) {
      report(
        `faults.racks[${k}].rack`,
        `no rack is named '${o.rack}'${didYouMean(o.rack, racks.keys())}; names are <rack>-<copy>, as in nodes.arrow`,
      );
      return;
    }
    resolved.instanceOutages.push({
      instances: members,
      at_s: o.at_s,
      repair_s: o.repair_s,
      cause: `rack ${o.rack} failed`,
    });
  });
  const links = new Set(linkNames(instances, file.datacenter.network));
  f.links.forEach((o, k) => {
    const path = `faults.links[${k}].link`;
    if (file.datacenter.network.kv_transfer !== 'network') {
      report(
        path,
        'the hand-off does not cross the network (datacenter.network.kv_transfer is "off"): there are no links to fail',
      );
    } else if (!links.has(o.link)) {
      const hint = links.size === 0 ? '; no link has a stated capacity here' : didYouMean(o.link, links);
      report(
        path,
        `no link is named '${o.link}'${hint}; names are as in links.arrow (spine, <rack>/uplink, <instance>/nic-tx, ...)`,
      );
    } else {
      resolved.linkOutages.push({ link: o.link, at_s: o.at_s, repair_s: o.repair_s });
    }
  });
  f.random.forEach((r, k) => {
    const members = instances
      .filter(
        (i) => (r.hardware === undefined || i.hardware === r.hardware) && (r.role === undefined || i.role === r.role),
      )
      .map((i) => i.index);
    if (members.length === 0) {
      const hardware = new Set(instances.map((i) => i.hardware));
      const hint = r.hardware !== undefined && !hardware.has(r.hardware) ? didYouMean(r.hardware, hardware) : '';
      report(
        `faults.random[${k}]`,
        `matches no instance (hardware ${r.hardware ?? 'any'}${hint}, role ${r.role ?? 'any'})`,
      );
      return;
    }
    resolved.random.push({ instances: members, mtbf_s: r.mtbf_s, mttr_s: r.mttr_s });
  });
  return resolved;
}
