import type { Problem } from './problems.js';
import type { InstanceSpec, ResolvedScenario } from './resolved.js';
import type { ScenarioFile, TokenDistribution } from './schema.js';

/** Instances in one scenario, beyond which a run would exhaust memory or time. */
export const MAX_INSTANCES = 100_000;

/**
 * Cross-field rules and the expansion of racks into instances. Returns the problems
 * found (all of them) or the resolved scenario.
 */
export function resolve(file: ScenarioFile, source: string): { scenario?: ResolvedScenario; problems: Problem[] } {
  const problems: Problem[] = [];
  const report = (path: string, message: string) => problems.push({ path, message });

  if (file.warmup_s >= file.duration_s) {
    report('warmup_s', `must be less than duration_s (${file.duration_s}), got ${file.warmup_s}`);
  }
  checkLengths(file.workload.prompt_tokens, 'workload.prompt_tokens', report);
  checkLengths(file.workload.output_tokens, 'workload.output_tokens', report);

  const instances: InstanceSpec[] = [];
  const rackNames = new Set<string>();
  let total = 0;
  file.datacenter.racks.forEach((rack, r) => {
    const rackPath = `datacenter.racks[${r}]`;
    if (rackNames.has(rack.name)) report(`${rackPath}.name`, `duplicate rack name '${rack.name}'`);
    rackNames.add(rack.name);
    rack.nodes.forEach((group, g) => {
      total += rack.count * group.count;
      checkGroup(group, `${rackPath}.nodes[${g}]`, report);
    });
  });
  if (total > MAX_INSTANCES) {
    report('datacenter.racks', `describes ${total} instances; the limit is ${MAX_INSTANCES}`);
  }

  if (problems.length === 0) {
    file.datacenter.racks.forEach((rack, r) => {
      for (let copy = 0; copy < rack.count; copy++) {
        const rackName = `${rack.name}-${copy}`;
        const perRole = { prefill: 0, decode: 0, mixed: 0 };
        rack.nodes.forEach((group, g) => {
          for (let i = 0; i < group.count; i++) {
            instances.push({
              index: instances.length,
              name: `${rackName}/${group.role}-${perRole[group.role]++}`,
              rack: rackName,
              role: group.role,
              hardware: group.hardware ?? 'queueing',
              service: group.service ?? {},
              groupPath: `datacenter.racks[${r}].nodes[${g}]`,
            });
          }
        });
      }
    });
    const has = (role: string) => instances.some((x) => x.role === role);
    if (!has('prefill') && !has('mixed')) {
      report('datacenter.racks', 'no instance serves prefill: add a node group with role "prefill" or "mixed"');
    }
    const kvTransfer = file.datacenter.network.kv_transfer;
    if (has('prefill') && kvTransfer !== 'off') {
      // The contended-network model of the hand-off is not built yet.
      report('datacenter.network.kv_transfer', `must be "off" for now (the network model of the KV hand-off is not available yet), got "${kvTransfer}"`);
    }
    if (has('prefill') && !has('decode')) {
      report('datacenter.racks', 'prefill instances hand off to decode instances, but no node group has role "decode"');
    }
  }

  if (problems.length > 0) return { problems };
  const drain_s = file.drain_s ?? file.duration_s;
  const router = file.scheduling.router;
  return {
    problems,
    scenario: {
      ...file,
      source,
      drain_s,
      horizon_s: file.duration_s + drain_s,
      instances,
      routers: {
        prefill: file.scheduling.prefill_router ?? router,
        decode: file.scheduling.decode_router ?? router,
      },
    },
  };
}

function checkLengths(d: TokenDistribution, path: string, report: (p: string, m: string) => void): void {
  if (d.dist === 'uniform' && d.min > d.max) report(`${path}.max`, `must be at least min (${d.min}), got ${d.max}`);
  if (d.dist === 'lognormal' && d.min !== undefined && d.max !== undefined && d.min > d.max) {
    report(`${path}.max`, `must be at least min (${d.min}), got ${d.max}`);
  }
}

function checkGroup(
  group: ScenarioFile['datacenter']['racks'][number]['nodes'][number],
  path: string,
  report: (p: string, m: string) => void,
): void {
  const phases = group.role === 'mixed' ? (['prefill', 'decode'] as const) : ([group.role] as const);
  for (const phase of phases) {
    if (!group.service?.[phase]) {
      // The hardware performance models arrive with the physics catalog; until then
      // only queueing-mode service times can drive a phase.
      report(`${path}.service.${phase}`, `is required: a ${group.role} instance needs a ${phase} service time (hardware performance models are not available yet)`);
    }
  }
  for (const phase of ['prefill', 'decode'] as const) {
    if (group.service?.[phase] && !(phases as readonly string[]).includes(phase)) {
      report(`${path}.service.${phase}`, `a ${group.role} instance never runs ${phase}; remove it or change role`);
    }
  }
}
