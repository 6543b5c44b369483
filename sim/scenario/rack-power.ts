import { instancePower, nameplateW } from '../physics/index.js';
import type { InstanceSpec } from './resolved.js';
import type { ScenarioFile } from './schema.js';

type Report = (path: string, message: string) => void;

/**
 * A rack's power budget (`racks[].power_kw`, per copy of the rack) must hold the
 * nameplate power of every instance in it: the busiest phase's draw plus the host
 * (sim/physics/power.ts). Nameplate, not mean draw: a budget is a breaker's rating,
 * and every instance may be busy at once. Instances without hardware (queueing mode)
 * have no power to count, so a budget over them is refused.
 */
export function checkRackPower(file: ScenarioFile, instances: readonly InstanceSpec[], report: Report): void {
  file.datacenter.racks.forEach((rack, r) => {
    if (rack.power_kw === undefined) return;
    const path = `datacenter.racks[${r}].power_kw`;
    // Every copy holds the same instances: the first copy decides for all.
    const copy = `${rack.name}-0`;
    const inRack = instances.filter((i) => i.rack === copy);
    const unpowered = inRack.find((i) => !i.deployment);
    if (unpowered) {
      report(
        path,
        `rack '${rack.name}' has instances without hardware power (${unpowered.name} runs on service times ` +
          `only): a power budget needs every instance on the performance model`,
      );
      return;
    }
    const kw = inRack.reduce((sum, i) => sum + nameplateW(instancePower(i.deployment!)), 0) / 1000;
    if (kw > rack.power_kw * (1 + 1e-12)) {
      report(
        path,
        `rack '${rack.name}' draws up to ${fmtKw(kw)} kW at nameplate (${inRack.length} instances: ` +
          `busy power plus host), over its budget of ${rack.power_kw} kW`,
      );
    }
  });
}

const fmtKw = (kw: number) => (Math.round(kw * 100) / 100).toString();
