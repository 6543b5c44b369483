import type { InstanceSpec } from './resolved.js';
import type { ScenarioFile } from './schema.js';

type Report = (path: string, message: string) => void;

/**
 * `scheduling.admission: "reserve"` sizes each request's KV by the limit its client
 * sends (`workload.max_tokens`), so it needs one; and it is a rule of colocated
 * instances only (a split decode instance admits hand-offs by its own rule: KV for the
 * context plus one token of growth), so a scenario where it would not hold everywhere
 * is refused rather than half applied.
 */
export function checkAdmission(file: ScenarioFile, instances: readonly InstanceSpec[], report: Report): void {
  if (file.scheduling.admission !== 'reserve') return;
  if (file.workload.max_tokens === undefined) {
    report(
      'scheduling.admission',
      '"reserve" reserves KV for each prompt plus the output limit its client sends: set workload.max_tokens',
    );
  }
  const decoder = instances.find((x) => x.role === 'decode' && x.deployment);
  if (decoder) {
    report(
      'scheduling.admission',
      `"reserve" applies to mixed (colocated) instances only; ${decoder.groupPath} is a decode instance on the performance model, which admits hand-offs without reserving for the output (use "evict")`,
    );
  } else if (!instances.some((x) => x.role === 'mixed' && x.deployment)) {
    report(
      'scheduling.admission',
      '"reserve" applies to mixed (colocated) instances on the performance model, and this scenario has none',
    );
  }
}
