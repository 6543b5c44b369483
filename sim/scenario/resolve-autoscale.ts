import { provisioningSeconds } from '../physics/index.js';
import type { AutoscaleGroup, InstanceSpec } from './resolved.js';
import type { ScenarioFile } from './schema.js';

type Report = (path: string, message: string) => void;
type Group = ScenarioFile['datacenter']['racks'][number]['nodes'][number];

/**
 * Controller decisions one run may make per autoscaled group. A decision looks at every
 * instance of its group once (a few µs for a group of hundreds), so 10⁶ is seconds of
 * work; more is an interval_s off by orders of magnitude (milliseconds for a day).
 */
export const MAX_DECISIONS = 1e6;

/** Instances a node group expands to per rack copy: its autoscale maximum, else its count. */
export function groupSize(group: Group): number {
  return group.autoscale ? Math.max(group.autoscale.max, group.count) : group.count;
}

/** Every node group's autoscale rules (checkAutoscale), over a run that ends by `horizon_s`. */
export function checkAutoscaleGroups(file: ScenarioFile, horizon_s: number, report: Report): void {
  file.datacenter.racks.forEach((rack, r) =>
    rack.nodes.forEach((group, g) =>
      checkAutoscale(file, group, `datacenter.racks[${r}].nodes[${g}]`, horizon_s, report),
    ),
  );
}

/**
 * Cross-field rules of a node group's `autoscale` (the schema checks each field alone):
 * min ≤ count ≤ max, a target the policy can use, an SLO for the slo policy, a window
 * at least one interval long, and a provisioning time for instances without hardware.
 */
export function checkAutoscale(
  file: ScenarioFile,
  group: Group,
  path: string,
  horizon_s: number,
  report: Report,
): void {
  const a = group.autoscale;
  if (!a) return;
  const at = `${path}.autoscale`;
  if (a.max < a.min) report(`${at}.max`, `must be at least min (${a.min}), got ${a.max}`);
  else if (group.count < a.min || group.count > a.max) {
    report(
      `${path}.count`,
      `is the size an autoscaled group starts at: must be within autoscale's min and max ` +
        `(${a.min} to ${a.max}), got ${group.count}`,
    );
  }
  if (a.policy === 'utilization') {
    if (a.target === undefined)
      report(
        `${at}.target`,
        'is required for policy "utilization": the busy fraction to keep each instance at, in (0, 1]',
      );
    else if (a.target > 1)
      report(
        `${at}.target`,
        `is a busy fraction for policy "utilization": must be a number in (0, 1], got ${a.target}`,
      );
  } else if (a.policy === 'queue') {
    if (a.target === undefined)
      report(
        `${at}.target`,
        'is required for policy "queue": the requests (waiting or in service) per instance to keep',
      );
  } else {
    if (!file.slo)
      report(`${at}.policy`, '"slo" scales on attainment of the scenario\'s slo bounds: add "slo" (ttft_s, tpot_s)');
    if (a.target !== undefined && a.target > 1)
      report(`${at}.target`, `is an attainment for policy "slo": must be a number in (0, 1], got ${a.target}`);
  }
  if (a.scale_in_ratio !== undefined && a.policy !== 'slo') {
    report(`${at}.scale_in_ratio`, `applies to policy "slo" only (this group's policy is "${a.policy}")`);
  }
  checkCadence(a, at, horizon_s, report);
}

/** The trailing window is whole intervals, and the decisions over the run stay within MAX_DECISIONS. */
function checkCadence(a: NonNullable<Group['autoscale']>, at: string, horizon_s: number, report: Report): void {
  if (a.window_s < a.interval_s) {
    report(
      `${at}.window_s`,
      `must be at least interval_s (${a.interval_s}): ` +
        `the trailing window is made of whole intervals, got ${a.window_s}`,
    );
  }
  const decisions = horizon_s / a.interval_s;
  if (!(decisions <= MAX_DECISIONS)) {
    report(
      `${at}.interval_s`,
      `decides every ${a.interval_s} s over ${horizon_s} s: ` +
        `about ${decisions.toExponential(2)} decisions; ` +
        `the limit is ${MAX_DECISIONS.toExponential(0)}`,
    );
  }
}

/**
 * The autoscaled groups of the expanded datacenter: each group's instances over all
 * rack copies (the first `count` of each copy start on), its bounds summed over copies,
 * and its provisioning time (the file's, else boot + weight load of its hardware).
 */
export function autoscaleGroups(
  file: ScenarioFile,
  instances: readonly InstanceSpec[],
  report: Report,
): AutoscaleGroup[] {
  const out: AutoscaleGroup[] = [];
  file.datacenter.racks.forEach((rack, r) =>
    rack.nodes.forEach((group, g) => {
      const a = group.autoscale;
      if (!a) return;
      const path = `datacenter.racks[${r}].nodes[${g}]`;
      const members = instances.filter((i) => i.groupPath === path);
      const first = members[0];
      if (!first) return;
      let provisioning_s = a.provisioning_s;
      if (provisioning_s === undefined) {
        if (!first.deployment) {
          report(
            `${path}.autoscale.provisioning_s`,
            'is required: this group runs on service times, ' +
              'so it has no hardware whose boot and weight load would give it',
          );
          return;
        }
        provisioning_s = provisioningSeconds(first.deployment);
      }
      out.push({
        path,
        role: group.role,
        instances: members.map((i) => i.index),
        initial: group.count * rack.count,
        min: a.min * rack.count,
        max: a.max * rack.count,
        policy: a.policy,
        target: a.target ?? file.slo?.quantile ?? 1,
        scale_in_ratio: a.scale_in_ratio ?? DEFAULT_SCALE_IN_RATIO,
        window_s: a.window_s,
        interval_s: a.interval_s,
        scale_out_cooldown_s: a.scale_out_cooldown_s,
        scale_in_cooldown_s: a.scale_in_cooldown_s,
        provisioning_s,
      });
    }),
  );
  return out;
}

/**
 * The slo policy scales in when its window's requests would have met bounds half the
 * scenario's. **Assumption**: a margin wide enough that one instance fewer (a few tens
 * of percent more load on the rest) does not at once break the bounds and scale out again.
 */
export const DEFAULT_SCALE_IN_RATIO = 0.5;
