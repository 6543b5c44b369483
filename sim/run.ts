import type { Table } from 'apache-arrow';
import type { Windows } from './datacenter/index.js';
import { Calendar, InvariantError, RandomStreams } from './engine/index.js';
import { type BlockStore, FileBlocks } from './metrics/latency-columns.js';
import { type BatchSink, RequestLog } from './metrics/request-log.js';
import { summarize, summaryTable } from './metrics/summary.js';
import type { Summary } from './metrics/summary-type.js';
import { type WindowSinks, WindowStream } from './metrics/window-stream.js';
import { backlogTrend, type BacklogTrend } from './metrics/overload.js';
import type { WorkMeter } from './metrics/work-meter.js';
import type { PhaseServer } from './serving/phase-server.js';
import { WindowTables } from './metrics/window-tables.js';
import { measuredPower } from './metrics/measured-power.js';
import { inFlightLimit } from './scenario/limits.js';
import { InputError } from './scenario/problems.js';
import type { ResolvedScenario } from './scenario/resolved.js';
import { Autoscaling, onTimes } from './autoscale/index.js';
import { injectFaults, Request, ServingSystem, unfinished } from './serving/index.js';
import {
  arrivalStream,
  closedLoopFeed,
  type Feed,
  openLoopFeed,
  type RequestSink,
  sessionsFeed,
} from './workload/index.js';

export interface Progress {
  now_s: number;
  horizon_s: number;
  duration_s: number;
  generated: number;
  ended: number;
}

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number | undefined;
  /** Called every few thousand events; cheap to ignore. */
  onProgress?: ((p: Progress) => void) | undefined;
  /**
   * Stops the run at its next progress point (every few thousand events) by throwing
   * the signal's reason. The async runs yield to the event loop at each such point, so a
   * signal handler (Ctrl-C) can abort them; a synchronous run sees only an abort made
   * from its own progress callback.
   */
  signal?: AbortSignal | undefined;
  /** The most requests the run may hold at once; one more stops it with an InputError
   * (default and reason: inFlightLimit(), sim/scenario/limits.ts). */
  maxInFlight?: number | undefined;
}

/** What a run gives back: its tables (columns: docs/metrics.md) and its summary. */
export interface RunResult {
  /** The scenario that ran. */
  scenario: ResolvedScenario;
  /** The seed it ran with (the scenario's, or RunOptions.seed). */
  seed: number;
  /** One row per request; per-window rows of nodes, pools and links; the summary as a one-row table. */
  tables: { requests: Table; nodes: Table; pools: Table; links: Table; summary: Table };
  summary: Summary;
  /** The backlog trend of each pool over the measured period (the summary's `overloaded`). */
  overload: BacklogTrend[];
  /** Events fired, the simulated end time (s), requests generated, wall-clock seconds. */
  stats: { events: number; end_s: number; generated: number; wall_s: number };
}

const PROGRESS_EVERY = 1 << 14;

/** Where a streamed run's tables go as they are made: request rows as requests end,
 * window rows (when given sinks) as windows end. */
export interface RunSinks {
  requests: BatchSink;
  windows?: WindowSinks | undefined;
  /** A file the run may use as scratch for the summary's latencies (removed when it ends),
   * so that they too stay out of memory. */
  latencyScratch?: string | undefined;
}

/** A run whose request rows (and window rows, with sinks for them) went to sinks instead of memory. */
export type StreamedRunResult = Omit<RunResult, 'tables'> & {
  tables: { summary: Table; nodes?: Table | undefined; pools?: Table | undefined; links?: Table | undefined };
};

/**
 * Simulate one scenario. A run is a value: everything it mutates (calendar, random
 * streams, instances, logs) is created here, so two runs of the same scenario and seed
 * in one process give identical tables.
 */
export function runScenario(scenario: ResolvedScenario, options: RunOptions = {}): RunResult {
  return inMemory(toEnd(simulate(scenario, options, undefined), options.signal));
}

/** The same, yielding to the event loop every few thousand events (RunOptions.signal). */
export async function runScenarioAsync(scenario: ResolvedScenario, options: RunOptions = {}): Promise<RunResult> {
  return inMemory(await yielding(simulate(scenario, options, undefined), options.signal));
}

function inMemory({ result, requests }: Simulated): RunResult {
  const { nodes, pools, links, summary } = result.tables;
  return {
    ...result,
    tables: {
      requests: requests as Table,
      nodes: nodes as Table,
      pools: pools as Table,
      links: links as Table,
      summary,
    },
  };
}

/**
 * The same, streaming `requests.arrow`'s record batches to a sink as requests end, and,
 * given sinks for them, the window tables' as windows end, so memory stays bounded
 * however long the run (the CLI writes them to the result folder). A bare sink takes
 * the request rows only.
 */
export function runScenarioStreamed(
  scenario: ResolvedScenario,
  sinks: RunSinks | BatchSink,
  options: RunOptions = {},
): StreamedRunResult {
  return toEnd(simulate(scenario, options, 'requests' in sinks ? sinks : { requests: sinks }), options.signal).result;
}

/** The same, yielding to the event loop every few thousand events (RunOptions.signal). */
export async function runScenarioStreamedAsync(
  scenario: ResolvedScenario,
  sinks: RunSinks | BatchSink,
  options: RunOptions = {},
): Promise<StreamedRunResult> {
  return (
    await yielding(simulate(scenario, options, 'requests' in sinks ? sinks : { requests: sinks }), options.signal)
  ).result;
}

type Simulated = { result: StreamedRunResult; requests: Table | undefined };

/**
 * A run as a generator that pauses at every progress point: one body for the
 * synchronous runs (`toEnd`) and for those that give the event loop a turn at each
 * pause (`yielding`), so that signal handlers and I/O callbacks run during a long run.
 */
type Simulation = Generator<void, Simulated, void>;

function toEnd(run: Simulation, signal: AbortSignal | undefined): Simulated {
  try {
    for (;;) {
      const step = run.next();
      if (step.done) return step.value;
      signal?.throwIfAborted();
    }
  } finally {
    run.return(undefined as never); // runs the generator's own finally blocks if it stopped early
  }
}

async function yielding(run: Simulation, signal: AbortSignal | undefined): Promise<Simulated> {
  try {
    for (;;) {
      // setImmediate, not a resolved promise: it lets the event loop poll, which is
      // where signals and stream errors are delivered. Also before the first step, so
      // that a study of many short runs (none reaching a progress point) stops too.
      await new Promise<void>((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      const step = run.next();
      if (step.done) return step.value;
    }
  } finally {
    run.return(undefined as never);
  }
}

function* simulate(scenario: ResolvedScenario, options: RunOptions, sinks: RunSinks | undefined): Simulation {
  const scratch = sinks?.latencyScratch === undefined ? undefined : new FileBlocks(sinks.latencyScratch);
  try {
    return yield* simulateWith(scenario, options, sinks, scratch);
  } finally {
    scratch?.close();
  }
}

/** Steps: build the system, start the arrivals, run to the horizon (the drain), then the summary. */
function* simulateWith(
  scenario: ResolvedScenario,
  options: RunOptions,
  sinks: RunSinks | undefined,
  latencies: BlockStore | undefined,
): Simulation {
  const started = performance.now();
  const seed = options.seed ?? scenario.seed;
  const windows = windowsOf(scenario);
  const { calendar, system, log, generator, autoscaling } = assemble(
    scenario,
    options,
    seed,
    windows,
    sinks,
    latencies,
  );

  const { horizon_s, duration_s } = scenario;
  const progress = () =>
    options.onProgress?.({ now_s: calendar.now_s, horizon_s, duration_s, generated: generator.next, ended: log.rows });
  const { windowTables, windowRows } = windowStream(system, windows, sinks);
  while (!calendar.run(scenario.horizon_s, PROGRESS_EVERY)) {
    progress();
    windowRows.advance(calendar.now_s);
    yield;
  }
  const end_s = drain(scenario, calendar, system, log);
  autoscaling?.close(end_s);
  progress();

  if (log.rows !== generator.next) {
    throw new InvariantError(`conservation: generated ${generator.next} requests, recorded ${log.rows}`);
  }
  const requests = log.finish();
  const kept = windowRows.finish(end_s);
  const { summary, overload } = summaryOf(scenario, system, log, windowTables, autoscaling);
  return {
    requests,
    result: {
      scenario,
      seed,
      tables: { ...kept, summary: summaryTable([summary]) },
      summary,
      overload,
      stats: {
        events: calendar.eventsFired,
        end_s,
        generated: generator.next,
        wall_s: (performance.now() - started) / 1000,
      },
    },
  };
}

/** The measurement windows: their length, and the measured span [warmup_s, duration_s]. */
function windowsOf(scenario: ResolvedScenario): Windows {
  return {
    window_s: scenario.metrics.window_s,
    measureFrom_s: scenario.warmup_s,
    measureTo_s: scenario.duration_s,
  };
}

/** The per-window tables of the system's instances, pools and links, and the stream that writes their rows. */
function windowStream(
  system: ServingSystem,
  windows: Windows,
  sinks: RunSinks | undefined,
): { windowTables: WindowTables; windowRows: WindowStream } {
  const windowTables = new WindowTables(
    system.instances,
    [system.prefill, system.decode],
    system.topology?.links ?? [],
    windows.window_s,
  );
  return { windowTables, windowRows: new WindowStream(windowTables, sinks?.windows) };
}

/** Before time starts: the calendar, the system and its request log, the faults and the arrivals scheduled. */
function assemble(
  scenario: ResolvedScenario,
  options: RunOptions,
  seed: number,
  windows: Windows,
  sinks: RunSinks | undefined,
  latencies: BlockStore | undefined,
): ArrivalTargets {
  const calendar = new Calendar();
  const streams = new RandomStreams(seed);
  const log = new RequestLog(
    scenario.instances.map((i) => i.name),
    scenario.slo,
    sinks?.requests,
    latencies,
    !!scenario.scheduling.prefix_cache,
  );
  // The workload hears every request's end (completion or rejection, after retries
  // too): a closed loop sends a user's next request then. Bound before it exists.
  let feed: Feed<Request> | undefined;
  let autoscaling: Autoscaling | null = null;
  const system = new ServingSystem(calendar, streams, scenario, windows, (r) => {
    log.add(r);
    feed?.ended(r);
    autoscaling?.ended(r);
  });
  injectFaults(calendar, streams, scenario.faults, system, scenario.horizon_s);
  // Autoscaled groups' controllers; none (no events, no draws) without autoscaling.
  if (scenario.autoscale.length > 0) autoscaling = new Autoscaling(calendar, scenario, system.instances, system);
  autoscaling?.start();
  const generator = { next: 0 };
  const targets = { calendar, streams, system, log, generator, autoscaling };
  feed = startArrivals(scenario, options, targets);
  return targets;
}

/** What the arrivals feed into: the system, and the log and counter that bound requests in flight. */
interface ArrivalTargets {
  calendar: Calendar;
  streams: RandomStreams;
  system: ServingSystem;
  log: RequestLog;
  /** Requests made so far (the next request's id). */
  generator: { next: number };
  /** Told of each arrival (ramp spans). */
  autoscaling: Autoscaling | null;
}

/**
 * Arrivals: requests made (ids in order, warm-up marked, the client's output limit
 * applied, at most the in-flight limit held) and submitted by the scenario's open- or
 * closed-loop feed.
 */
function startArrivals(
  scenario: ResolvedScenario,
  options: RunOptions,
  { calendar, streams, system, log, generator, autoscaling }: ArrivalTargets,
): Feed<Request> {
  const maxInFlight = options.maxInFlight ?? inFlightLimit();
  // The client's output limit: a longer output stops there, as a serving engine stops it.
  const maxTokens = scenario.workload.max_tokens ?? Infinity;
  const sink: RequestSink<Request> = {
    make: (a) => {
      if (generator.next - log.rows >= maxInFlight) throw tooManyInFlight(scenario, maxInFlight, a.arrival_s);
      const r = new Request(
        generator.next++,
        a.arrival_s,
        a.promptTokens,
        Math.min(a.outputTokens, maxTokens),
        a.arrival_s < scenario.warmup_s,
      );
      r.prefixBlocks = a.prefixBlocks;
      r.outputBlocks = a.outputBlocks;
      return r;
    },
    submit: (r, a) => {
      if (a.rejectReason) system.rejected(r, a.rejectReason);
      else {
        autoscaling?.arrived(r);
        system.arrive(r);
      }
    },
  };
  if (scenario.workload.arrivals.process === 'closed')
    return closedLoopFeed(scenario.workload, streams, calendar, scenario.duration_s, scenario.source, sink);
  if (scenario.workload.sessions) {
    const blockTokens = scenario.scheduling.prefix_cache?.block_tokens;
    return sessionsFeed(scenario.workload, streams, calendar, scenario.duration_s, sink, blockTokens);
  }
  return openLoopFeed(arrivalStream(scenario.workload, streams, scenario.duration_s), calendar, sink);
}

/**
 * The end of the run, at the horizon or when the system empties: requests still in it
 * are recorded unfinished, time averages closed. Returns the time they are closed at.
 */
function drain(scenario: ResolvedScenario, calendar: Calendar, system: ServingSystem, log: RequestLog): number {
  // Close time averages no earlier than the end of arrivals, so that utilisation over
  // [warmup, duration] is measured in full even when the system empties early.
  const end_s = Math.max(calendar.now_s, scenario.duration_s);
  calendar.advanceTo(end_s);
  for (const r of system.inFlight()) {
    unfinished(r, scenario.horizon_s);
    log.add(r);
  }
  system.close(end_s);
  return end_s;
}

/**
 * Summary: the run's row (sim/metrics/summary.ts) from the tally and the servers' time
 * averages, and each pool's backlog trend.
 */
function summaryOf(
  scenario: ResolvedScenario,
  system: ServingSystem,
  log: RequestLog,
  windowTables: WindowTables,
  autoscaling: Autoscaling | null,
): { summary: Summary; overload: BacklogTrend[] } {
  const span = scenario.duration_s - scenario.warmup_s;
  const util = (servers: readonly PhaseServer[]) =>
    servers.length === 0 ? NaN : servers.reduce((a, s) => a + s.busy.measured, 0) / serverSeconds(servers, span);
  const mfu = (servers: readonly PhaseServer[]) =>
    workUtilisation(
      servers,
      (m) => m.flops.measured,
      (m) => m.peakFlops_per_s,
      span,
    );
  const mbu = (servers: readonly PhaseServer[]) =>
    workUtilisation(
      servers,
      (m) => m.bytes.measured,
      (m) => m.peakBytes_per_s,
      span,
    );
  const served_per_s = log.tally.measuredCompleted / span;
  const batchMean = (pool: { servers: readonly PhaseServer[]; inService: { measured: number } }) =>
    pool.servers.length === 0 ? NaN : pool.inService.measured / serverSeconds(pool.servers, span);
  const overload = windowTables
    .measuredQueues(scenario.warmup_s, scenario.duration_s)
    .map((q) => backlogTrend(q.pool, q.windows, scenario.metrics.window_s, served_per_s));
  const summary = summarize(log.tally, {
    scenario: scenario.name,
    warmup_s: scenario.warmup_s,
    duration_s: scenario.duration_s,
    slo: scenario.slo,
    prefillUtil: util(system.prefill.servers),
    decodeUtil: util(system.decode.servers),
    prefillMfu: mfu(system.prefill.servers),
    prefillMbu: mbu(system.prefill.servers),
    decodeMfu: mfu(system.decode.servers),
    decodeMbu: mbu(system.decode.servers),
    prefillBatch: batchMean(system.prefill),
    decodeBatch: batchMean(system.decode),
    prefillKv: kvMean(system.prefill.servers, span),
    decodeKv: kvMean(system.decode.servers, span),
    backlogGrowing: overload.some((t) => t.growing),
    availability:
      system.instances.length === 0
        ? NaN
        : system.instances.reduce((a, i) => a + i.up.measured, 0) / (system.instances.length * span),
    instanceFailures: system.instances.reduce((a, i) => a + i.failures, 0),
    prefixCache: scenario.scheduling.prefix_cache !== undefined,
    ...onTimeFigures(scenario, system, span),
    rampAttainment: autoscaling?.rampAttainment ?? NaN,
    power: measuredPower(windowTables, scenario),
  });
  return { summary, overload };
}

/**
 * A datacenter that falls so far behind its arrivals that the requests it holds would
 * exhaust memory (inFlightLimit, sim/scenario/limits.ts): refused like bad input, with
 * the field to change, rather than left to die out of memory.
 */
function tooManyInFlight(scenario: ResolvedScenario, limit: number, t_s: number): InputError {
  return new InputError(scenario.source, [
    {
      path: 'workload.arrivals',
      message:
        `${limit} requests were in flight at once at t = ${t_s.toPrecision(4)} s, the most one run may ` +
        `hold in memory: the datacenter cannot keep up with these arrivals. Lower the rate ` +
        `(or burstiness), or add instances`,
    },
  ]);
}

/**
 * What the summary charges by on-time: the hourly price (NaN, null in the table, when
 * any instance has no price: queueing mode), an autoscaled instance's × the fraction
 * of the measured period it was on; and the instance-hours on.
 */
function onTimeFigures(
  scenario: ResolvedScenario,
  system: ServingSystem,
  span: number,
): { costPerHour_usd: number; instanceHours: number } {
  const onTime = onTimes(system.instances, span);
  const costPerHour_usd = scenario.instances.reduce(
    (sum, i, k) =>
      sum + (system.instances[k]?.on ? (i.price_per_hour_usd * (onTime[k] as number)) / span : i.price_per_hour_usd),
    0,
  );
  return { costPerHour_usd, instanceHours: onTime.reduce((a, t) => a + t, 0) / 3600 };
}

/**
 * Server-seconds of a pool over the measured period: its servers × the span, or, where
 * an autoscaler switches instances, the sum of their on-times (utilisation and batch
 * means are of the instances on, not of those off).
 */
function serverSeconds(servers: readonly PhaseServer[], span_s: number): number {
  if (!servers.some((s) => s.instance.on)) return servers.length * span_s;
  return servers.reduce((a, s) => a + (s.instance.on ? s.instance.on.measured : span_s), 0);
}

/** Σ work over [warmup, duration] ÷ (Σ peak × span) of the servers that have a hardware model; NaN if none. */
function workUtilisation(
  servers: readonly PhaseServer[],
  work: (m: WorkMeter) => number,
  peak: (m: WorkMeter) => number,
  span_s: number,
): number {
  let done = 0;
  let capacity = 0;
  for (const s of servers) {
    if (!s.work) continue;
    done += work(s.work);
    capacity += peak(s.work) * span_s;
  }
  return capacity > 0 ? done / capacity : NaN;
}

/** Mean KV use of the servers' instances over [warmup, duration]; NaN when none models KV. */
function kvMean(servers: readonly PhaseServer[], span_s: number): number {
  let sum = 0;
  let n = 0;
  for (const s of servers) {
    if (!s.instance.kvUsed) continue;
    sum += s.instance.kvUsed.measured / span_s;
    n++;
  }
  return n > 0 ? sum / n : NaN;
}
