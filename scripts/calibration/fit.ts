// The fit behind `npm run calibrate`: per hardware family, the free constants that
// minimise Σ log(simulated / published)² over the family's `fit` rows, every row run
// through the whole simulator (simulate.ts). Bounds by transform: efficiencies are
// logistic in the search variable (inside (0, 1)), overheads exponential (≥ 0, never
// negative). Nelder–Mead from a fixed start with a fixed budget: deterministic.
import { PRE_FIT_HARDWARE, withFitted } from '../../sim/physics/hardware.js';
import type { Measurement } from './measurements.js';
import { nelderMead } from './optimizer.js';
import type { Catalog } from './scenario.js';
import { simulateRows } from './simulate.js';

export interface FreeParameter {
  /** `efficiency.x`, `overhead.x` or `wafer.x` of a hardware entry. */
  path: string;
  kind: 'fraction' | 'nonnegative';
  /** The value the catalog held before any fit (the "before" objective uses it). */
  before: number;
  /** Where the search starts (a new term that was off starts at a small nonzero value). */
  start: number;
}

export interface FitFamily {
  name: string;
  /** Catalog entries the family's constants apply to (rows on any of them are its rows). */
  hardware: readonly string[];
  parameters: readonly FreeParameter[];
  /** Evaluations of the objective in the full fit and in each leave-one-source-out refit
   * (which starts from the full fit's optimum). */
  evaluations: { full: number; refit: number };
}

const frac = (path: string, before: number, start = before): FreeParameter => ({
  path,
  kind: 'fraction',
  before,
  start,
});
const nonneg = (path: string, before: number, start = before): FreeParameter => ({
  path,
  kind: 'nonnegative',
  before,
  start,
});

/**
 * The families and what each fits (docs/physics.md, Calibration, says why):
 * - hopper: H100 and H200 are the same GH100 compute die on different HBM, run by the
 *   same software in every row: one set of efficiencies and overheads, while each keeps
 *   its own peak figures (memory size and bandwidth). The batch-dependent bandwidth term
 *   (efficiency.memory_bw_half_tokens) stays off: fitted, it went to 0.008 tokens (no
 *   batch dependence the rows can see), and a nonzero value makes batch 2 faster per
 *   user than batch 1.
 * - trn2: four single-user rows (TTFT and TPOT of 70B and 405B on one trn2.48xlarge)
 *   pin four constants; the rest stay assumptions (all four rows run at the same TP
 *   degree and batch 1, so the ring-step and batch-dependence terms are not identifiable).
 * - cs3: the two non-speculative launch figures pin the per-layer time's fixed and
 *   width-dependent parts; the inter-wafer hop stays an assumption.
 */
export const FAMILIES: readonly FitFamily[] = [
  {
    name: 'hopper',
    hardware: ['h100-sxm', 'h200-sxm'],
    parameters: [
      frac('efficiency.prefill_mfu', 0.45),
      frac('efficiency.decode_mfu', 0.3),
      frac('efficiency.memory_bw', 0.8),
      nonneg('overhead.per_layer_s', 15e-6),
      nonneg('overhead.allreduce_s', 5e-6),
      nonneg('overhead.allreduce_step_s', 0, 1e-6),
      nonneg('overhead.prefill_s', 0.002),
      nonneg('overhead.step_s', 0.0002),
    ],
    evaluations: { full: 560, refit: 120 },
  },
  {
    name: 'trn2',
    hardware: ['trn2', 'trn2.48xlarge', 'trn3'],
    parameters: [
      frac('efficiency.prefill_mfu', 0.45),
      nonneg('overhead.allreduce_s', 10e-6),
      nonneg('overhead.prefill_s', 0.002),
      nonneg('overhead.step_s', 0.0002),
    ],
    evaluations: { full: 400, refit: 200 },
  },
  {
    name: 'cs3',
    hardware: ['cs3'],
    parameters: [nonneg('wafer.layer_s', 5.26e-6), nonneg('wafer.layer_width_s', 0, 5e-6)],
    evaluations: { full: 300, refit: 150 },
  },
];

/** Four significant digits: what the catalog stores, and what the final run uses. */
export const rounded = (x: number) => Number(x.toPrecision(4));

const toSearch = (p: FreeParameter, v: number) => (p.kind === 'fraction' ? Math.log(v / (1 - v)) : Math.log(v));
const fromSearch = (p: FreeParameter, x: number) => (p.kind === 'fraction' ? 1 / (1 + Math.exp(-x)) : Math.exp(x));

export type Values = Record<string, number>;

/** `catalog` with the family's entries set to `values`. */
export function withValues(catalog: Catalog, family: FitFamily, values: Values): Catalog {
  const hardware = { ...catalog.hardware };
  for (const id of family.hardware) if (hardware[id]) hardware[id] = withFitted(hardware[id]!, values);
  return { hardware };
}

export const rowsOf = (rows: readonly Measurement[], family: FitFamily) =>
  rows.filter((r) => family.hardware.includes(r.hardware));

/** Σ log(sim / pub)² over `rows`; a row that cannot run costs as much as a factor e⁵. */
export function objective(rows: readonly Measurement[], catalog: Catalog): number {
  return simulateRows(rows, catalog).reduce(
    (s, r) => s + (Number.isFinite(r.simulated) && r.simulated > 0 ? Math.log(r.simulated / r.published) ** 2 : 25),
    0,
  );
}

export interface FamilyFit {
  values: Values;
  rows: string[];
  objectiveBefore: number;
  objectiveAfter: number;
  evaluations: number;
}

export const beforeValues = (family: FitFamily): Values =>
  Object.fromEntries(family.parameters.map((p) => [p.path, p.before]));

/** Fit `family` to its `fit` rows among `rows`, from `start` (default: the family's start). */
export function fitFamily(
  rows: readonly Measurement[],
  family: FitFamily,
  budget: number,
  start?: Values,
  catalog: Catalog = { hardware: PRE_FIT_HARDWARE },
): FamilyFit {
  const fitRows = rowsOf(rows, family).filter((r) => r.use === 'fit');
  const ps = family.parameters;
  const valuesAt = (x: number[]): Values => Object.fromEntries(ps.map((p, i) => [p.path, fromSearch(p, x[i]!)]));
  const objectiveBefore = objective(fitRows, withValues(catalog, family, beforeValues(family)));
  // Nothing to fit (a leave-one-source-out refit that removed the only source): the
  // family keeps its pre-fit constants, so the held-out rows show what they alone give.
  if (fitRows.length === 0)
    return { values: beforeValues(family), rows: [], objectiveBefore, objectiveAfter: objectiveBefore, evaluations: 0 };
  const x0 = ps.map((p) => toSearch(p, start?.[p.path] ?? p.start));
  const best = nelderMead((x) => objective(fitRows, withValues(catalog, family, valuesAt(x))), x0, 0.5, budget);
  const values = Object.fromEntries(Object.entries(valuesAt(best.x)).map(([k, v]) => [k, rounded(v)]));
  return {
    values,
    rows: fitRows.map((r) => r.id),
    objectiveBefore,
    objectiveAfter: objective(fitRows, withValues(catalog, family, values)),
    evaluations: best.evaluations,
  };
}
