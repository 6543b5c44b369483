import { randomExponential } from 'd3-random';
import type { Calendar, RandomStreams } from '../engine/index.js';
import type { ResolvedFaults } from '../scenario/resolved.js';
import { EventOrder } from '../engine/event-order.js';
import type { ServingSystem } from './pipeline.js';

/**
 * Schedules the scenario's faults on the calendar: planned instance, rack and link
 * outages at their times, and random instance failures with exponential up-times (mean
 * `mtbf_s`) and repair times (mean `mttr_s`), each instance drawing from its own
 * stream so that adding a fault elsewhere does not move its failures. Nothing is
 * scheduled at or past the horizon: the run stops there.
 */
export function injectFaults(
  calendar: Calendar,
  streams: RandomStreams,
  faults: ResolvedFaults,
  system: ServingSystem,
  horizon_s: number,
): void {
  const at = (t_s: number, action: () => void) => {
    if (t_s < horizon_s) calendar.scheduleAt(t_s, run, { action }, EventOrder.fault);
  };
  for (const o of faults.instanceOutages) {
    const members = o.instances.map((k) => system.instances[k]).filter((i) => i !== undefined);
    at(o.at_s, () => {
      for (const inst of members) system.failover.failInstance(inst, o.cause);
    });
    at(o.at_s + o.repair_s, () => {
      for (const inst of members) system.failover.repairInstance(inst);
    });
  }
  for (const o of faults.linkOutages) {
    at(o.at_s, () => system.failover.setLinkDown(o.link, true));
    at(o.at_s + o.repair_s, () => system.failover.setLinkDown(o.link, false));
  }
  faults.random.forEach((process, k) => {
    for (const index of process.instances) {
      const inst = system.instances[index];
      if (!inst) continue;
      const source = streams.stream(`faults.random.${k}.${index}`);
      const upTime = randomExponential.source(source)(1 / process.mtbf_s);
      const repairTime = randomExponential.source(source)(1 / process.mttr_s);
      const cause = `instance ${inst.name} failed (random, MTBF ${process.mtbf_s} s)`;
      const failAt = (t_s: number) =>
        at(t_s, () => {
          system.failover.failInstance(inst, cause);
          const back_s = calendar.now_s + repairTime();
          at(back_s, () => {
            system.failover.repairInstance(inst);
            failAt(calendar.now_s + upTime());
          });
        });
      failAt(upTime());
    }
  });
}

function run(e: { action: () => void }): void {
  e.action();
}
