import * as z from 'zod';
import type { Summary } from '../metrics/summary-type.js';
import { runScenarioAsync } from '../run.js';
import { checkScenario, InputError, type Problem } from '../scenario/index.js';
import { identifier, positive, positiveInt } from '../scenario/fields.js';
import type { Slo } from '../scenario/schema.js';
import { basePathOf, readJsonFile, readStudyFile } from './study-file.js';
import { checkRackFields, rackFitOf, type RackFit } from './plan-racks.js';

const candidate = z.union([
  z.string(),
  z.strictObject({
    hardware: z.union([z.string(), z.record(z.string(), z.unknown())]),
    devices: positiveInt().optional(),
  }),
]);
const pool = z.strictObject({
  candidates: z.array(candidate).min(1, { error: 'must list at least one candidate' }),
  max_instances: positiveInt().default(32),
});

export const planSchema = z.strictObject({
  $schema: z.string().optional(),
  name: identifier(),
  description: z.string().optional(),
  /** Model, workload, SLO, scheduling and network; its datacenter is replaced. */
  base: z.string(),
  /** Disaggregated designs: one candidate per role, searched jointly. */
  split: z.strictObject({ prefill: pool, decode: pool }).optional(),
  /** Colocated designs: mixed instances. */
  mixed: pool.optional(),
  rack_uplink_gbps: positive().optional(),
  /** Power budget of one rack, kW: designs are packed into racks by nameplate power (plan-racks.ts). */
  rack_power_kw: positive().optional(),
  /** The most racks of rack_power_kw a design may use (needs rack_power_kw). */
  max_racks: positiveInt().optional(),
  /**
   * Load margin: the recommended design must meet the SLO at `headroom` × the base
   * scenario's arrival rate (1.2: 20% more traffic than planned). 1 plans for exactly
   * the base load. Above 100 is taken for a typo (an assumption: no plan here needs a
   * hundredfold margin, and the search would size a datacenter for that load).
   */
  headroom: z
    .number({
      error: (i) =>
        i.input === undefined
          ? 'is required'
          : 'must be a number ≥ 1 (a load margin: 1.2 plans for 1.2× the base rate)',
    })
    .min(1, {
      error:
        'must be at least 1 (a load margin: 1.2 plans for 1.2× the base rate; below 1 would ' +
        'plan for less than the base load)',
    })
    .max(100, { error: 'must be at most 100 (a margin over the base rate; 100× is surely a typo)' })
    .default(1),
  /**
   * Fresh seeds the recommendation is re-run on at the margin: it is recommended only if
   * it meets the SLO on every one. One seed judges noise at the boundary as a pass; two
   * by default. At most 20 (each is a full run).
   */
  check_seeds: z
    .number({
      error: (i) =>
        i.input === undefined
          ? 'is required'
          : 'must be an integer from 1 to 20 (fresh seeds to check the recommendation on)',
    })
    .int({ error: 'must be an integer from 1 to 20 (fresh seeds to check the recommendation on)' })
    .min(1, { error: 'must be an integer from 1 to 20 (fresh seeds to check the recommendation on)' })
    .max(20, { error: 'must be an integer from 1 to 20 (fresh seeds to check the recommendation on)' })
    .default(2),
  /** Also find the highest arrival rate the recommended datacenter sustains. */
  goodput: z.boolean().default(true),
});

type Candidate = { hardware: string | Record<string, unknown>; devices?: number | undefined };
export type Design =
  | { kind: 'split'; prefill: Candidate; decode: Candidate; prefillInstances: number; decodeInstances: number }
  | { kind: 'mixed'; mixed: Candidate; instances: number };

export interface Evaluation {
  design: Design;
  stage: 'search' | 'verify' | 'goodput';
  rate_per_s: number;
  seed: number;
  summary: Summary;
  meets: boolean;
  /** Racks of the plan's rack_power_kw the design uses (only with rack_power_kw). */
  racks?: number | undefined;
}

export interface PlanResult {
  name: string;
  slo: Slo;
  /** The base scenario's arrival rate (requests/s) and the margin planned for. */
  base_rate_per_s: number;
  headroom: number;
  /** The rate every design is judged at: base rate × headroom. */
  planned_rate_per_s: number;
  /** Designs that met the SLO in the search but missed it on a check seed (cheapest first). */
  rejected: Evaluation[];
  evaluations: Evaluation[];
  recommended?: Evaluation | undefined;
  /**
   * Fresh-seed runs at the planned rate: the recommendation on each check seed, then
   * one instance fewer in each pool on the first check seed (those should miss).
   */
  checks: Evaluation[];
  /** Highest arrival rate meeting the SLO on the recommendation (requests/s). */
  goodput_rps?: number | undefined;
  why?: string | undefined;
  /** Candidates that fit no rack budget even at one instance per pool, and why (not run). */
  infeasible: Array<{ design: string; reason: string }>;
}

const label = (c: Candidate) =>
  typeof c.hardware === 'string' ? c.hardware : String((c.hardware as { id?: unknown }).id ?? 'inline');
const norm = (c: z.output<typeof candidate>): Candidate => (typeof c === 'string' ? { hardware: c } : c);

export function describeDesign(d: Design): string {
  const dev = (c: Candidate) => (c.devices ? `×${c.devices}` : '');
  return d.kind === 'split'
    ? `${d.prefillInstances} ${label(d.prefill)}${dev(d.prefill)} prefill + ${d.decodeInstances} ` +
        `${label(d.decode)}${dev(d.decode)} decode`
    : `${d.instances} ${label(d.mixed)}${dev(d.mixed)} colocated`;
}

/**
 * Capacity planning: the cheapest datacenter whose run meets the base scenario's SLO.
 * Latency is taken to fall as instances are added (monotonicity), so for each pair of
 * candidate hardware the search walks decode counts upward and bisects the fewest
 * prefill instances that meet the SLO (that number can only fall as decode grows),
 * stopping once decode alone costs more than the best design found; colocated designs
 * bisect one count. Simulation noise can bend monotonicity near the boundary: the
 * recommendation is re-run with fresh seeds, and with one instance fewer in each pool.
 * Steps: search, verify (check seeds), explain (one instance fewer), goodput.
 */
export async function runPlan(
  file: string,
  onEvaluation?: (e: Evaluation) => void,
  signal?: AbortSignal,
): Promise<PlanResult> {
  const loaded = loadPlan(file);
  const { plan, base, slo } = loaded;
  const arrivals = (base.workload as { arrivals?: { rate_per_s?: number } } | undefined)?.arrivals;
  const baseRate = arrivals?.rate_per_s ?? NaN;
  // Every design is judged at the margin; a closed-loop base (no rate) keeps its users.
  const rate = Number.isFinite(baseRate) ? baseRate * plan.headroom : baseRate;
  const runs = new PlanRuns(loaded, rate, baseRate, onEvaluation, signal);
  const found = await search(plan, runs);
  const result: PlanResult = {
    name: plan.name,
    slo,
    evaluations: runs.evaluations,
    checks: [],
    rejected: [],
    infeasible: runs.infeasible,
    base_rate_per_s: baseRate,
    headroom: plan.headroom,
    planned_rate_per_s: rate,
  };
  if (!found.best) {
    result.why = `no candidate design within max_instances meets the SLO at ${margin(plan.headroom, rate)}`;
    return result;
  }
  const seeds = Array.from({ length: plan.check_seeds }, (_, k) => loaded.scenario0.seed + 1000 + k);
  const { recommended, seedRuns } = await verify(plan, runs, found.meeting, seeds, result);
  if (!recommended) {
    const set = result.rejected.map((e) => describeDesign(e.design)).join(', ');
    result.why =
      `no design met the SLO at ${margin(plan.headroom, rate)} on every check seed ` +
      `(${seeds.join(', ')})${set ? `; set aside: ${set}` : ''}`;
    return result;
  }
  result.recommended = recommended;
  await explain(runs, recommended, seedRuns, seeds[0] as number, result);
  if (plan.goodput && Number.isFinite(baseRate)) result.goodput_rps = await goodput(runs, recommended.design);
  return result;
}

/**
 * A design's hourly price as the search compares it. Null (hardware with no price)
 * counts as 0, as it did when the comparison coerced it: such a design sorts as free.
 */
const cost = (e: Evaluation) => e.summary.cost_per_hour_usd ?? 0;

/**
 * The runs of one plan and what they share: the rate every design is judged at, and a
 * cache, so that a design runs once per rate and seed however many steps ask for it.
 */
class PlanRuns {
  readonly evaluations: Evaluation[] = [];
  private readonly cache = new Map<string, Evaluation>();
  /** A rack power budget bounds each pool's count; designs over it are not run. */
  readonly racks: RackFit | undefined;
  readonly infeasible: PlanResult['infeasible'] = [];

  constructor(
    private readonly loaded: LoadedPlan,
    /** The rate every design is judged at (base rate × headroom), and the base's own. */
    readonly rate: number,
    private readonly baseRate: number,
    private readonly onEvaluation: ((e: Evaluation) => void) | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.racks = rackFitOf(
      loaded.plan,
      (d) => checkScenario(loaded.scenarioFor(d, baseRate), loaded.basePath).instances,
    );
  }

  /** Whether a design fits no rack even at its smallest (recorded as infeasible, not run). */
  unfitAlone(d: Design): boolean {
    const reason = this.racks?.unfit(d);
    if (reason) this.infeasible.push({ design: describeDesign(d), reason });
    return reason !== undefined;
  }

  /**
   * Run a design (once per rate and seed). Each run gives the event loop a turn every
   * few thousand events, so that aborting `signal` (Ctrl-C in the CLI) stops a plan
   * within one of them.
   */
  async evaluate(
    d: Design,
    stage: Evaluation['stage'],
    at = this.rate,
    seed = this.loaded.scenario0.seed,
  ): Promise<Evaluation> {
    const key = JSON.stringify([d, at, seed]);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const { scenarioFor, basePath } = this.loaded;
    const summary = (await runScenarioAsync(checkScenario(scenarioFor(d, at), basePath), { seed, signal: this.signal }))
      .summary;
    const e: Evaluation = {
      design: d,
      stage,
      rate_per_s: at,
      seed,
      summary,
      meets: summary.slo_met === true && summary.unfinished === 0 && summary.overloaded !== true,
      racks: this.racks?.racksUsed(d),
    };
    this.cache.set(key, e);
    this.evaluations.push(e);
    this.onEvaluation?.(e);
    return e;
  }

  /** Hourly price of a design, from the catalog, without running it. */
  price(d: Design): number {
    return checkScenario(this.loaded.scenarioFor(d, this.baseRate), this.loaded.basePath).instances.reduce(
      (sum, i) => sum + i.price_per_hour_usd,
      0,
    );
  }
}

/** The designs the search found meeting the SLO, and the cheapest of them. */
interface Found {
  best?: Evaluation | undefined;
  meeting: Evaluation[];
}

/** Search: the fewest instances meeting the SLO for each candidate (pair), on one seed. */
async function search(plan: PlanFile, runs: PlanRuns): Promise<Found> {
  const found: Found = { meeting: [] };
  const consider = (e: Evaluation) => {
    if (!e.meets) return;
    found.meeting.push(e);
    if (!found.best || cost(e) < cost(found.best)) found.best = e;
  };
  if (plan.split) {
    for (const pc of plan.split.prefill.candidates.map(norm)) {
      for (const dc of plan.split.decode.candidates.map(norm))
        await searchSplit(plan.split, pc, dc, runs, found, consider);
    }
  }
  if (plan.mixed) {
    const { max_instances } = plan.mixed;
    for (const mc of plan.mixed.candidates.map(norm)) {
      const mixed = (n: number): Design => ({ kind: 'mixed', mixed: mc, instances: n });
      if (runs.unfitAlone(mixed(1))) continue;
      const max = Math.min(max_instances, runs.racks ? runs.racks.mixedRoom(mixed(1)) : Infinity);
      if (!(await runs.evaluate(mixed(max), 'search')).meets) continue;
      const n = await fewestMeeting(max, async (k) => (await runs.evaluate(mixed(k), 'search')).meets);
      consider(await runs.evaluate(mixed(n), 'search'));
    }
  }
  return found;
}

/**
 * The fewest instances in 1…high (high meets) that meet, by bisection (latency taken to fall as instances are added).
 */
async function fewestMeeting(high: number, meets: (n: number) => Promise<boolean>): Promise<number> {
  let lo = 1;
  let hi = high;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (await meets(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** One prefill × decode candidate pair: walk decode counts up, bisecting the fewest prefill instances at each. */
async function searchSplit(
  split: NonNullable<PlanFile['split']>,
  pc: Candidate,
  dc: Candidate,
  runs: PlanRuns,
  found: Found,
  consider: (e: Evaluation) => void,
): Promise<void> {
  const design = (np: number, nd: number): Design => ({
    kind: 'split',
    prefill: pc,
    decode: dc,
    prefillInstances: np,
    decodeInstances: nd,
  });
  // Cost is linear in the counts: a decode count whose cost with a single prefill
  // instance already exceeds the best design ends the walk.
  const oneAndOne = runs.price(design(1, 1));
  const dPrice = runs.price(design(1, 2)) - oneAndOne;
  const pPrice = oneAndOne - dPrice;
  let npHigh = split.prefill.max_instances;
  if (runs.unfitAlone(design(1, 1))) return;
  for (let nd = 1; nd <= split.decode.max_instances; nd++) {
    if (found.best && pPrice + nd * dPrice >= cost(found.best)) break;
    if (runs.racks) npHigh = Math.min(npHigh, runs.racks.prefillRoom(design(1, nd)));
    if (npHigh < 1) break; // the decode pool alone fills the racks
    if (!(await runs.evaluate(design(npHigh, nd), 'search')).meets) continue;
    npHigh = await fewestMeeting(npHigh, async (np) => (await runs.evaluate(design(np, nd), 'search')).meets);
    consider(await runs.evaluate(design(npHigh, nd), 'search'));
    if (npHigh === 1) break; // more decode cannot lower prefill further
  }
}

/**
 * A bound on designs checked (an assumption: past a dozen, the load sits on a boundary
 * that longer runs, not more seeds, should settle), so a plan always ends.
 */
const MAX_TRIES = 12;

/**
 * Verify: the search judged each design on one seed, so a design at the boundary can
 * pass by luck. The cheapest design that meets on every check seed is recommended; one
 * that misses is set aside (result.rejected, its runs in result.checks) and the
 * next-cheapest tried: the other designs the search found meeting, and one instance
 * more in each pool of a design set aside (the search stopped below those, so they are
 * the cheapest untried step up).
 */
async function verify(
  plan: PlanFile,
  runs: PlanRuns,
  meeting: readonly Evaluation[],
  seeds: readonly number[],
  result: PlanResult,
): Promise<{ recommended?: Evaluation | undefined; seedRuns: Evaluation[] }> {
  const queue = new Map<string, { d: Design; price: number }>();
  const tried = new Set<string>();
  const enqueue = (d: Design) => {
    const key = JSON.stringify(d);
    if (runs.racks?.unfit(d)) return;
    if (!tried.has(key) && !queue.has(key)) queue.set(key, { d, price: runs.price(d) });
  };
  for (const e of meeting) enqueue(e.design);
  let seedRuns: Evaluation[] = [];
  while (queue.size > 0 && tried.size < MAX_TRIES) {
    const [key, next] = [...queue.entries()].sort((a, b) => a[1].price - b[1].price || a[0].localeCompare(b[0]))[0]!;
    queue.delete(key);
    tried.add(key);
    const searched = await runs.evaluate(next.d, 'search');
    if (!searched.meets) {
      for (const b of oneMore(plan, next.d)) enqueue(b);
      continue;
    }
    seedRuns = [];
    for (const seed of seeds) {
      const run = await runs.evaluate(next.d, 'verify', runs.rate, seed);
      seedRuns.push(run);
      if (!run.meets) break;
    }
    if (seedRuns.every((r) => r.meets)) return { recommended: searched, seedRuns };
    result.rejected.push(searched);
    result.checks.push(...seedRuns);
    for (const b of oneMore(plan, next.d)) enqueue(b);
  }
  return { seedRuns };
}

/** The design with one instance more in each pool in turn, within max_instances. */
function oneMore(plan: PlanFile, d: Design): Design[] {
  if (d.kind === 'mixed')
    return d.instances < (plan.mixed?.max_instances ?? 0) ? [{ ...d, instances: d.instances + 1 }] : [];
  return [
    ...(d.prefillInstances < (plan.split?.prefill.max_instances ?? 0)
      ? [{ ...d, prefillInstances: d.prefillInstances + 1 }]
      : []),
    ...(d.decodeInstances < (plan.split?.decode.max_instances ?? 0)
      ? [{ ...d, decodeInstances: d.decodeInstances + 1 }]
      : []),
  ];
}

/** The design with one instance fewer in each pool in turn, down to one. */
function oneFewer(d: Design): Design[] {
  if (d.kind === 'mixed') return d.instances > 1 ? [{ ...d, instances: d.instances - 1 }] : [];
  return [
    ...(d.prefillInstances > 1 ? [{ ...d, prefillInstances: d.prefillInstances - 1 }] : []),
    ...(d.decodeInstances > 1 ? [{ ...d, decodeInstances: d.decodeInstances - 1 }] : []),
  ];
}

/**
 * Explain: the checks printed are the recommendation on every check seed, then one
 * instance fewer in each pool on the first check seed (those should miss: otherwise
 * the search overshot), then the runs of designs set aside; `result.why` says what
 * the reader should know.
 */
async function explain(
  runs: PlanRuns,
  recommended: Evaluation,
  seedRuns: readonly Evaluation[],
  seed: number,
  result: PlanResult,
): Promise<void> {
  const d = recommended.design;
  const fewerRuns: Evaluation[] = [];
  for (const f of oneFewer(d)) fewerRuns.push(await runs.evaluate(f, 'verify', runs.rate, seed));
  result.checks = [...seedRuns, ...fewerRuns, ...result.checks.filter((c) => c.design !== d)];
  const reasons: string[] = [];
  for (const r of result.rejected)
    reasons.push(`${describeDesign(r.design)} met the SLO in the search but missed it on a check seed: set aside`);
  if (d.kind === 'split' && d.prefillInstances === 1)
    reasons.push('the prefill pool is at its minimum of one instance');
  if (d.kind === 'split' && d.decodeInstances === 1) reasons.push('the decode pool is at its minimum of one instance');
  for (const c of fewerRuns) {
    if (c.meets)
      reasons.push(
        `${describeDesign(c.design)} also meets the SLO on a fresh seed: the search's run of it fell just short ` +
          `(noise at the boundary)`,
      );
  }
  if (reasons.length > 0) result.why = reasons.join('; ');
}

/**
 * Goodput: the highest rate the recommendation sustains. From the planned rate (met),
 * grow by 1.5× until it fails (8 steps at most: 25× the rate), then bisect 6 times
 * (the answer within 1.5^(1/64), about 0.6%).
 */
async function goodput(runs: PlanRuns, d: Design): Promise<number> {
  let ok = runs.rate;
  let bad = runs.rate * 1.5;
  for (let i = 0; i < 8 && (await runs.evaluate(d, 'goodput', bad)).meets; i++) {
    ok = bad;
    bad *= 1.5;
  }
  for (let i = 0; i < 6; i++) {
    const mid = (ok + bad) / 2;
    if ((await runs.evaluate(d, 'goodput', mid)).meets) ok = mid;
    else bad = mid;
  }
  return ok;
}

/** "1.2× the base rate (48 req/s)", or "the base load" without a margin. */
function margin(headroom: number, rate: number): string {
  const at = Number.isFinite(rate) ? ` (${Number(rate.toPrecision(4))} req/s)` : '';
  return headroom === 1 ? `the base load${at}` : `${headroom}× the base rate${at}`;
}

type PlanFile = z.output<typeof planSchema>;

/** A plan file read and checked, with what the search builds its designs from. */
export interface LoadedPlan {
  plan: PlanFile;
  basePath: string;
  base: Record<string, unknown>;
  scenario0: ReturnType<typeof checkScenario>;
  slo: NonNullable<ReturnType<typeof checkScenario>['slo']>;
  /** The scenario JSON of a design at an arrival rate (NaN: the base's). */
  scenarioFor: (d: Design, rate: number) => Record<string, unknown>;
}

/**
 * Read a plan file and check it before any run: the schema, the base scenario (it needs
 * an SLO), and every candidate — each pool's candidates at one instance and at
 * `max_instances`, paired with every candidate of the other pool — so that a hardware id
 * that does not exist, or one the model does not fit on, is reported against the plan
 * file's field (`split.prefill.candidates[1]`), not against a generated scenario.
 */
export function loadPlan(file: string): LoadedPlan {
  const plan = readStudyFile(file, planSchema, 'plan');
  checkPlanShape(plan, file);
  const basePath = basePathOf(file, plan.base);
  const baseJson = readJsonFile(basePath, 'base scenario', file);
  if (typeof baseJson !== 'object' || baseJson === null || Array.isArray(baseJson))
    throw new InputError(file, [{ path: 'base', message: `${plan.base} is not a scenario (a JSON object)` }]);
  const base = baseJson as Record<string, unknown>;
  const scenario0 = checkScenario(base, basePath);
  if (!scenario0.slo)
    throw new InputError(file, [{ path: 'base', message: `${plan.base} has no "slo": a plan needs one to meet` }]);
  const rate = (base.workload as { arrivals?: { rate_per_s?: unknown } } | undefined)?.arrivals?.rate_per_s;
  if (plan.headroom !== 1 && typeof rate !== 'number') {
    throw new InputError(file, [
      {
        path: 'headroom',
        message:
          `needs a base scenario with an arrival rate (workload.arrivals.rate_per_s) to scale; ` +
          `${plan.base} has none (closed-loop or trace arrivals): leave headroom out or at 1`,
      },
    ]);
  }
  const scenarioFor = designScenarios(plan, base);
  const problems = candidateProblems(plan, (d) => {
    try {
      checkScenario(scenarioFor(d, NaN), basePath);
      return [];
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return err.problems;
    }
  });
  if (problems.length > 0) throw new InputError(file, problems);
  return { plan, basePath, base, scenario0, slo: scenario0.slo, scenarioFor };
}

/**
 * The scenario of a design at an arrival rate (NaN: the base's): the base with its
 * datacenter replaced by one rack per pool (one node group each), the base's network kept.
 */
function designScenarios(plan: PlanFile, base: Record<string, unknown>) {
  const network = (base.datacenter as { network?: unknown } | undefined)?.network;
  return (d: Design, rate: number) => {
    const group = (c: Candidate, count: number, role: string) => ({
      hardware: c.hardware,
      ...(c.devices ? { devices: c.devices } : {}),
      count,
      role,
    });
    const rack = (name: string, nodes: object[]) => ({
      name,
      ...(plan.rack_uplink_gbps ? { uplink_gbps: plan.rack_uplink_gbps } : {}),
      nodes,
    });
    const racks =
      d.kind === 'split'
        ? [
            rack('prefill', [group(d.prefill, d.prefillInstances, 'prefill')]),
            rack('decode', [group(d.decode, d.decodeInstances, 'decode')]),
          ]
        : [rack('mixed', [group(d.mixed, d.instances, 'mixed')])];
    const s = structuredClone(base) as Record<string, any>;
    s.datacenter = { racks, ...(network ? { network } : {}) };
    if (Number.isFinite(rate)) s.workload.arrivals.rate_per_s = rate;
    return s;
  };
}

/** A plan names candidates, and its rack fields go together (plan-racks.ts). */
function checkPlanShape(plan: PlanFile, file: string): void {
  if (!plan.split && !plan.mixed)
    throw new InputError(file, [
      { path: '', message: 'needs "split" (prefill and decode pools) or "mixed" candidates, or both' },
    ]);
  checkRackFields(plan, file);
}

/**
 * The problems of every candidate, located in the plan file. A design's scenario puts
 * the prefill (or mixed) candidate in racks[0] and the decode candidate in racks[1],
 * one node group each, so a problem at `datacenter.racks[r].nodes[0]…` belongs to that
 * rack's candidate (its `count` to the pool's max_instances), and one at
 * `datacenter.racks` (the whole datacenter) to the instance counts of the design.
 */
function candidateProblems(plan: PlanFile, problemsOf: (d: Design) => readonly Problem[]): Problem[] {
  const located = new Map<string, Problem>();
  const locate = (d: Design, pools: Pool[], label: string) => {
    for (const q of problemsOf(d)) {
      const p = locateProblem(q, pools, label);
      located.set(`${p.path}\u0000${p.message}`, p);
    }
  };
  if (plan.split) {
    const { prefill, decode } = plan.split;
    prefill.candidates.forEach((pc, i) => {
      decode.candidates.forEach((dc, j) => {
        const pools: Pool[] = [
          { path: 'split.prefill', candidate: pc, index: i, max: prefill.max_instances },
          { path: 'split.decode', candidate: dc, index: j, max: decode.max_instances },
        ];
        for (const [np, nd] of [
          [1, 1],
          [prefill.max_instances, decode.max_instances],
        ] as const) {
          const d: Design = {
            kind: 'split',
            prefill: norm(pc),
            decode: norm(dc),
            prefillInstances: np,
            decodeInstances: nd,
          };
          locate(d, pools, `with ${describeDesign(d)}`);
        }
      });
    });
  }
  if (plan.mixed) {
    const mixed = plan.mixed;
    mixed.candidates.forEach((mc, i) => {
      const pools: Pool[] = [{ path: 'mixed', candidate: mc, index: i, max: mixed.max_instances }];
      for (const n of [1, mixed.max_instances]) {
        const d: Design = { kind: 'mixed', mixed: norm(mc), instances: n };
        locate(d, pools, `with ${describeDesign(d)}`);
      }
    });
  }
  return [...located.values()];
}

/** A pool of a design as the plan file gives it: its field, the candidate and its index, its max_instances. */
type Pool = { path: string; candidate: z.output<typeof candidate>; index: number; max: number };

/** One problem of a design's scenario moved to the plan file's field that caused it. */
function locateProblem(q: Problem, pools: Pool[], label: string): Problem {
  const m = /^datacenter\.racks\[(\d+)\](.*)$/.exec(q.path);
  const pool = m ? pools[Number(m[1])] : undefined;
  const rest = m?.[2] ?? '';
  if (pool && /^\.nodes\[0\]\.count$/.test(rest)) {
    return { path: `${pool.path}.max_instances`, message: `${q.message} (at ${pool.max} instances)` };
  } else if (pool && rest.startsWith('.nodes[0]')) {
    // A candidate written as a bare id stands for its hardware field.
    const field = rest.slice('.nodes[0]'.length);
    const where =
      typeof pool.candidate === 'string' && field.startsWith('.hardware') ? field.slice('.hardware'.length) : field;
    return { path: `${pool.path}.candidates[${pool.index}]${where}`, message: q.message };
  } else if (pool && rest === '.uplink_gbps') {
    return { path: 'rack_uplink_gbps', message: q.message };
  } else if (q.path === 'datacenter.racks' || q.path === 'datacenter') {
    return {
      path: pools.length === 1 ? `${pools[0]?.path}.max_instances` : 'split',
      message: `${q.message} (${label})`,
    };
  }
  return { path: pools[0]?.path ?? '', message: `${q.path ? `${q.path}: ` : ''}${q.message} (${label})` };
}

/**
 * Worst p99 latency relative to the SLO: max(TTFT p99 / SLO TTFT, TPOT p99 / SLO TPOT),
 * over the bounds the SLO gives; at most 1 when those p99s are within their bounds.
 */
export function p99VsSlo(e: Evaluation, slo: Pick<Slo, 'ttft_s' | 'tpot_s'>): number {
  const t = e.summary.ttft_p99_s;
  const p = e.summary.tpot_p99_s;
  if (typeof t !== 'number') return Infinity;
  return Math.max(
    slo.ttft_s === undefined ? 0 : t / slo.ttft_s,
    typeof p === 'number' && slo.tpot_s !== undefined ? p / slo.tpot_s : 0,
  );
}

/** Searched designs not dominated in (cost, p99 vs SLO), cheapest first. */
export function paretoFrontier(evals: readonly Evaluation[], slo: Pick<Slo, 'ttft_s' | 'tpot_s'>): Evaluation[] {
  const pts = evals.filter((e) => e.stage === 'search').map((e) => ({ e, c: cost(e), l: p99VsSlo(e, slo) }));
  return pts
    .filter((a) => !pts.some((b) => b !== a && b.c <= a.c && b.l <= a.l && (b.c < a.c || b.l < a.l)))
    .sort((a, b) => a.c - b.c)
    .map((a) => a.e);
}

/** plan.arrow: every evaluated design, with its stage and whether it is on the frontier or recommended. */
export function planRows(result: PlanResult): Array<Record<string, unknown>> {
  const frontier = new Set(paretoFrontier(result.evaluations, result.slo));
  const hw = (c: Candidate | undefined) => (c ? label(c) : null);
  return result.evaluations.map((e) => {
    const d = e.design;
    return {
      design: describeDesign(d),
      kind: d.kind,
      stage: e.stage,
      prefill_hardware: d.kind === 'split' ? hw(d.prefill) : null,
      prefill_devices: d.kind === 'split' ? (d.prefill.devices ?? null) : null,
      prefill_instances: d.kind === 'split' ? d.prefillInstances : null,
      decode_hardware: d.kind === 'split' ? hw(d.decode) : null,
      decode_devices: d.kind === 'split' ? (d.decode.devices ?? null) : null,
      decode_instances: d.kind === 'split' ? d.decodeInstances : null,
      mixed_hardware: d.kind === 'mixed' ? hw(d.mixed) : null,
      mixed_devices: d.kind === 'mixed' ? (d.mixed.devices ?? null) : null,
      mixed_instances: d.kind === 'mixed' ? d.instances : null,
      rate_per_s: e.rate_per_s,
      seed: e.seed,
      meets_slo: e.meets,
      p99_vs_slo: p99VsSlo(e, result.slo),
      pareto: frontier.has(e),
      recommended: e === result.recommended,
      ...(e.racks === undefined ? {} : { racks_used: e.racks }),
      ...e.summary,
    };
  });
}
