// `splitsim validate` on study files: what kind a file is, and checking one without running it.
import { readFileSync } from 'node:fs';
import { loadPlan } from './plan.js';
import { checkPoints, loadSweep, samplePoints } from './sweep.js';

export type FileKind = 'sweep' | 'plan' | 'scenario';

/**
 * The most grid points `validate` checks in one sweep. Checking a point's scenario
 * takes ~0.2 ms (measured on aws-split-llama70b), so 10,000 points take ~2 s; a larger
 * grid is checked on a sample holding every value of every path (samplePoints).
 */
export const MAX_POINTS_CHECKED = 10_000;

/**
 * A file's kind, by its shape: a top-level `vary` makes a sweep, a top-level `split` or
 * `mixed` a plan (no scenario has those fields; its schema is strict); anything else,
 * including a file that is not JSON, is read as a scenario (whose reader reports it).
 */
export function fileKind(file: string): FileKind {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return 'scenario';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'scenario';
  if (Object.hasOwn(json, 'vary')) return 'sweep';
  if (Object.hasOwn(json, 'split') || Object.hasOwn(json, 'mixed')) return 'plan';
  return 'scenario';
}

/**
 * Check a sweep file as `sweep` would before running: its fields, its base, and the
 * scenario of every point (or of MAX_POINTS_CHECKED of them). Returns what was checked;
 * throws an InputError with every problem.
 */
export function checkSweepFile(file: string): string {
  const plan = loadSweep(file);
  const points = samplePoints(plan, MAX_POINTS_CHECKED);
  checkPoints(file, plan, points);
  const checked =
    points.length === plan.pointCount
      ? 'every point checked'
      : `${points.length.toLocaleString('en-US')} of its points checked, every value of each path among them`;
  return `sweep ${plan.name}, ${plan.pointCount.toLocaleString('en-US')} points × ${plan.replications} replications = ${plan.runCount.toLocaleString('en-US')} runs; ${checked}`;
}

/** Check a plan file as `plan` would before its search; what was checked. */
export function checkPlanFile(file: string): string {
  const { plan } = loadPlan(file);
  const pools = [
    ...(plan.split
      ? [
          `split: ${plan.split.prefill.candidates.length} prefill × ${plan.split.decode.candidates.length} decode candidates`,
        ]
      : []),
    ...(plan.mixed ? [`mixed: ${plan.mixed.candidates.length} candidates`] : []),
  ];
  return `plan ${plan.name}, ${pools.join(', ')}; every candidate checked at 1 and at max_instances`;
}
