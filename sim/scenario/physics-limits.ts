import { batchTimer, type Deployment, kvCapacityTokens, kvHandoffBytes, replicaNicGbps } from '../physics/index.js';
import { MAX_TIME_S } from './limits.js';
import type { InstanceSpec } from './resolved.js';
import type { ScenarioFile } from './schema.js';

// The performance model turns rates (TFLOP/s, TB/s, Gb/s, efficiencies) into times.
// A rate that is absurdly small — an inline hardware entry's 1e-300 TFLOP/s, a link of
// 5e-324 Gb/s — gives a pass or a transfer of an infinite or astronomical time, which
// the event calendar cannot schedule. Checked here, by the times they imply for the
// largest job the scenario can give, against the same MAX_TIME_S as every time field.

type Report = (path: string, message: string) => void;

/** The longest prompt the workload can produce, if its distribution is bounded. */
export function promptTokensBound(workload: ScenarioFile['workload']): number | undefined {
  const a = workload.arrivals;
  if (a.process === 'trace') return a.max_prompt_tokens;
  const d = workload.prompt_tokens;
  if (!d) return undefined;
  return d.dist === 'constant' ? d.value : d.max;
}

const fmt = (s: number) => (Number.isFinite(s) ? s.toExponential(2) : String(s));

/**
 * A replica's pass times for the largest job it can be given: a prefill of the longest
 * prompt (the workload's bound, or the most KV the replica holds) and a decode step of
 * a full batch over as much context as the replica holds (a batch holds at least one
 * KV token per request, so it is never larger than that).
 */
export function checkDeploymentTimes(
  d: Deployment,
  path: string,
  promptBound: number | undefined,
  decodeMaxBatch: number,
  report: Report,
): void {
  const timer = batchTimer(d);
  const capacity = Math.max(1, kvCapacityTokens(d));
  const prompt = Math.min(promptBound ?? capacity, capacity);
  const batch = Math.min(decodeMaxBatch, capacity);
  const checks: Array<[string, number]> = [
    [`a prefill of ${prompt} tokens`, timer.prefillSeconds(prompt, prompt * prompt)],
    [`a decode step of ${batch} requests over ${capacity} tokens of context`, timer.decodeStepSeconds(batch, capacity)],
    ['a prefill of 1 token', timer.prefillSeconds(1, 1)],
  ];
  for (const [what, seconds] of checks) {
    if (!(seconds <= MAX_TIME_S)) {
      report(
        `${path}.hardware`,
        `${what} on ${d.devices} × ${d.hardware.id} would take ${fmt(seconds)} s; the limit is ${fmt(MAX_TIME_S)} s (2^53 µs): check its rates (TFLOP/s, TB/s, GB/s, efficiencies) and overheads`,
      );
      return;
    }
  }
}

/**
 * The hand-off of the longest prompt's KV over each link given a capacity, alone on
 * it: a capacity so small that this takes longer than MAX_TIME_S is refused at its field.
 */
export function checkLinkTimes(file: ScenarioFile, instances: readonly InstanceSpec[], report: Report): void {
  const physics = instances.filter((i) => i.deployment);
  const first = physics[0]?.deployment;
  if (file.datacenter.network.kv_transfer !== 'network' || !first) return;
  const bound =
    promptTokensBound(file.workload) ?? Math.max(...physics.map((i) => kvCapacityTokens(i.deployment as Deployment)));
  const bytes = kvHandoffBytes(first.model, first.precision, Math.max(1, bound));
  const check = (gbps: number | undefined, path: string) => {
    if (gbps === undefined) return;
    const seconds = (bytes * 8) / (gbps * 1e9);
    if (!(seconds <= MAX_TIME_S)) {
      report(
        path,
        `moving one ${Math.max(1, bound)}-token prompt's KV (${fmt(bytes)} bytes) at ${gbps} Gb/s${path.endsWith('.hardware') ? ' (nic_gbps × devices)' : ''} would take ${fmt(seconds)} s; the limit is ${fmt(MAX_TIME_S)} s (2^53 µs)`,
      );
    }
  };
  check(file.datacenter.network.spine_gbps, 'datacenter.network.spine_gbps');
  file.datacenter.racks.forEach((rack, r) => check(rack.uplink_gbps, `datacenter.racks[${r}].uplink_gbps`));
  const seen = new Set<string>();
  for (const i of physics) {
    if (seen.has(i.groupPath)) continue;
    seen.add(i.groupPath);
    check(replicaNicGbps(i.deployment as Deployment), `${i.groupPath}.hardware`);
  }
}
