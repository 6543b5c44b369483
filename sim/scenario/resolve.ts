import type { Deployment, ModelArch, Speculative } from '../physics/index.js';
import { replicaPricePerHour } from '../physics/index.js';
import type { Problem } from './problems.js';
import { resolveDeployment, resolveHardware, resolveModel } from './resolve-physics.js';
import type { InstanceSpec, ResolvedScenario } from './resolved.js';
import { closedLoopLimits, instantRejections } from './closed-loop-limits.js';
import { checkInstanceCount, checkLimits, checkTimes } from './limits.js';
import { checkDeploymentTimes, checkLinkTimes, promptTokensBound } from './physics-limits.js';
import { checkAdmission } from './resolve-admission.js';
import { checkPrefixCache, resolveRouters } from './resolve-prefix-cache.js';
import { resolveFaults } from './resolve-faults.js';
import { checkRackPower } from './rack-power.js';
import { resolveWorkload } from './resolve-workload.js';
import { autoscaleGroups, checkAutoscaleGroups, groupSize } from './resolve-autoscale.js';
import type { ScenarioFile } from './schema.js';

type Report = (path: string, message: string) => void;
type Group = ScenarioFile['datacenter']['racks'][number]['nodes'][number];

/** Per rack, per node group: its hardware label and, for physics-driven groups, its replica. */
type ResolvedGroups = Array<Array<{ hardware: string; deployment?: Deployment }>>;

/**
 * Cross-field rules, catalog look-ups and the expansion of racks into instances.
 * Returns every problem found, or the resolved scenario. Steps: the workload and
 * times, the node groups (catalog), the expansion into instances, the checks on the
 * instances (roles, admission, links), then faults and run-size limits.
 */
export function resolve(file: ScenarioFile, source: string): { scenario?: ResolvedScenario; problems: Problem[] } {
  const problems: Problem[] = checkTimes(file);
  const report: Report = (path, message) => problems.push({ path, message });

  const { workload, duration_s } = resolveWorkload(file, source, report);
  if (file.warmup_s >= duration_s) {
    report('warmup_s', `must be less than duration_s (${duration_s}), got ${file.warmup_s}`);
  }
  if (file.slo && file.slo.ttft_s === undefined && file.slo.tpot_s === undefined) {
    report('slo', 'needs ttft_s, tpot_s or both: the latency bounds that requests must meet');
  }
  const model = resolveModel(file.model, report);
  const groups = resolveGroups(file, model, report);
  checkAutoscaleGroups(file, duration_s + (file.drain_s ?? duration_s), report);
  // Before expansion: a million-instance file is refused without building it.
  problems.push(...checkInstanceCount(file.datacenter.racks));

  const instances: InstanceSpec[] = [];
  if (problems.length === 0) {
    instances.push(...expandInstances(file, groups));
    checkRoles(file, instances, report);
    checkAdmission(file, instances, report);
    checkPrefixCache(file, instances, report);
    checkRackPower(file, instances, report);
    if (problems.length === 0) checkLinkTimes(file, instances, report);
  }

  const autoscale = problems.length === 0 ? autoscaleGroups(file, instances, report) : [];
  const faults = problems.length === 0 ? resolveFaults(file, instances, report) : undefined;
  if (problems.length === 0 && faults) problems.push(...runLimitProblems(file, duration_s, instances, faults));
  if (problems.length > 0 || !faults) return { problems };
  const drain_s = file.drain_s ?? duration_s;
  return {
    problems,
    scenario: {
      ...file,
      workload,
      duration_s,
      source,
      drain_s,
      horizon_s: duration_s + drain_s,
      modelArch: model,
      instances,
      routers: resolveRouters(file.scheduling),
      faults,
      autoscale,
    },
  };
}

/** Every node group resolved against the catalog, and rack names checked unique. */
function resolveGroups(file: ScenarioFile, model: ModelArch | undefined, report: Report): ResolvedGroups {
  const groups: ResolvedGroups = [];
  const rackNames = new Set<string>();
  file.datacenter.racks.forEach((rack, r) => {
    const rackPath = `datacenter.racks[${r}]`;
    if (rackNames.has(rack.name)) report(`${rackPath}.name`, `duplicate rack name '${rack.name}'`);
    rackNames.add(rack.name);
    groups.push(rack.nodes.map((group, g) => resolveGroup(file, model, group, `${rackPath}.nodes[${g}]`, report)));
  });
  return groups;
}

/** Racks × copies × node groups × count, as instances named `<rack>-<copy>/<role>-<k>`. */
function expandInstances(file: ScenarioFile, groups: ResolvedGroups): InstanceSpec[] {
  const instances: InstanceSpec[] = [];
  file.datacenter.racks.forEach((rack, r) => {
    for (let copy = 0; copy < rack.count; copy++) {
      const rackName = `${rack.name}-${copy}`;
      const perRole = { prefill: 0, decode: 0, mixed: 0 };
      rack.nodes.forEach((group, g) => {
        const resolved = groups[r]?.[g] as { hardware: string; deployment?: Deployment };
        // An autoscaled group holds its maximum; those past `count` start off.
        for (let i = 0; i < groupSize(group); i++) {
          instances.push({
            index: instances.length,
            name: `${rackName}/${group.role}-${perRole[group.role]++}`,
            rack: rackName,
            uplink_gbps: rack.uplink_gbps,
            role: group.role,
            hardware: resolved.hardware,
            service: group.service ?? {},
            deployment: resolved.deployment,
            price_per_hour_usd: resolved.deployment ? replicaPricePerHour(resolved.deployment) : NaN,
            groupPath: `datacenter.racks[${r}].nodes[${g}]`,
            ...(i >= group.count ? { startsOff: true } : {}),
          });
        }
      });
    }
  });
  return instances;
}

/**
 * The roles the instances take must make a working datacenter: prefill somewhere, decode
 * after a hand-off, one kind of decoder.
 */
function checkRoles(file: ScenarioFile, instances: readonly InstanceSpec[], report: Report): void {
  const has = (role: string) => instances.some((x) => x.role === role);
  if (!has('prefill') && !has('mixed')) {
    report('datacenter.racks', 'no instance serves prefill: add a node group with role "prefill" or "mixed"');
  }
  const decoders = instances.filter((x) => x.role === 'decode');
  const onPhysics = decoders.filter((x) => x.deployment);
  if (onPhysics.length > 0 && onPhysics.length < decoders.length) {
    const odd = decoders.find((x) => !x.deployment) as InstanceSpec;
    report(
      `${odd.groupPath}.service`,
      'decode node groups must all run on service times or all on the performance model (a hand-off reserves KV ' +
        'on physics decoders only)',
    );
  }
  if (
    has('prefill') &&
    file.datacenter.network.kv_transfer === 'network' &&
    onPhysics.length === 0 &&
    decoders.length > 0
  ) {
    report(
      'datacenter.network.kv_transfer',
      'a KV hand-off over the network needs decode instances on the performance model (service-time decoders have ' +
        'no KV); set "off" for queueing-mode studies',
    );
  }
  if (has('prefill') && !has('decode')) {
    report('datacenter.racks', 'prefill instances hand off to decode instances, but no node group has role "decode"');
  }
}

/** What one run may hold (sim/scenario/limits.ts), and closed-loop users that could stall time. */
function runLimitProblems(
  file: ScenarioFile,
  duration_s: number,
  instances: readonly InstanceSpec[],
  faults: NonNullable<ResolvedScenario['faults']>,
): Problem[] {
  const failing = faults.random.map((r, k) => ({
    path: `faults.random[${k}]`,
    instances: r.instances.length,
    mtbf_s: r.mtbf_s,
    mttr_s: r.mttr_s,
  }));
  const problems = checkLimits(file, duration_s, duration_s + (file.drain_s ?? duration_s), instances.length, failing);
  const a = file.workload.arrivals;
  if (a.process === 'closed') {
    problems.push(
      ...closedLoopLimits(a, duration_s, instances),
      ...instantRejections(a, file.workload.prompt_tokens, instances),
    );
  }
  return problems;
}

/**
 * A node group's phases run either on queueing-mode service times or on the
 * performance model of its hardware for the scenario's model.
 */
function resolveGroup(
  file: ScenarioFile,
  model: ModelArch | undefined,
  group: Group,
  path: string,
  report: Report,
): { hardware: string; deployment?: Deployment } {
  const phases = group.role === 'mixed' ? (['prefill', 'decode'] as const) : ([group.role] as const);
  for (const phase of ['prefill', 'decode'] as const) {
    if (group.service?.[phase] && !(phases as readonly string[]).includes(phase)) {
      report(`${path}.service.${phase}`, `a ${group.role} instance never runs ${phase}; remove it or change role`);
    }
  }
  if (group.speculative && group.role === 'prefill') {
    report(
      `${path}.speculative`,
      'speculative decoding runs where tokens are decoded: a "decode" or "mixed" node group, not "prefill"',
    );
  } else if (group.speculative && group.service?.decode) {
    report(`${path}.speculative`, 'needs the performance model: this group decodes on service times (service.decode)');
  }
  const physical = phases.filter((phase) => !group.service?.[phase]);
  const label =
    group.hardware === undefined ? 'queueing' : typeof group.hardware === 'string' ? group.hardware : group.hardware.id;
  if (physical.length === 0) return { hardware: label };
  if (group.hardware === undefined) {
    report(
      `${path}.hardware`,
      `is required: the ${physical.join(' and ')} phase has no service time, so it runs on the performance model ` +
        `of its hardware`,
    );
    return { hardware: label };
  }
  if (group.role === 'mixed' && physical.length < 2) {
    report(
      `${path}.service`,
      'a mixed instance runs both phases on service times or both on the performance model, not one of each',
    );
    return { hardware: label };
  }
  if (!model) {
    if (file.model === undefined) report('model', `is required: ${path} runs on the performance model`);
    return { hardware: label };
  }
  const hardware = resolveHardware(group.hardware, `${path}.hardware`, report);
  const speculative = resolveSpeculative(group, model, path, report);
  if (!hardware || speculative === null) return { hardware: label };
  const deployment = resolveDeployment(model, hardware, file.precision, group.devices, path, report, speculative);
  if (!deployment) return { hardware: label };
  checkDeploymentTimes(deployment, path, promptTokensBound(file.workload), file.scheduling.decode_max_batch, report);
  return { hardware: label, deployment };
}

/**
 * A group's speculative decoding: undefined when it has none, null when it is wrong
 * (reported). Only a replica that decodes on the performance model speculates.
 */
function resolveSpeculative(
  group: Group,
  target: ModelArch,
  path: string,
  report: Report,
): Speculative | undefined | null {
  const s = group.speculative;
  if (!s) return undefined;
  const at = `${path}.speculative`;
  // Reported in resolveGroup.
  if (group.role === 'prefill' || group.service?.decode) return null;
  const draft = resolveModel(s.draft_model, report, `${at}.draft_model`);
  if (!draft) return null;
  if (draft.vocab !== target.vocab) {
    // The target verifies the draft's tokens: both must speak the same vocabulary.
    report(
      `${at}.draft_model`,
      `${draft.id} has a vocabulary of ${draft.vocab} tokens; the target ${target.id} has ${target.vocab}: a ` +
        `draft must share the target's vocabulary`,
    );
    return null;
  }
  return { draft, tokens: s.tokens, acceptance: s.acceptance };
}
