import type { Table } from 'apache-arrow';
import type { Instance } from '../datacenter/index.js';
import type { TimeWeighted } from '../engine/index.js';
import { FixedDictionary, float64Column, int32Column, makeTable } from './arrow.js';
import type { IntervalSum, WorkMeter } from './work-meter.js';
import { PowerMeter } from './power-meter.js';

/** What `pools.arrow` needs of a pool. */
export interface PoolTally {
  phase: string;
  waiting: TimeWeighted;
  inService: TimeWeighted;
  servers: ReadonlyArray<{ busy: TimeWeighted; work?: WorkMeter | null; instance?: { index: number } | undefined }>;
}

/** What `links.arrow` needs of a link. */
export interface LinkTally {
  name: string;
  capacity_Bps: number;
  rate: TimeWeighted;
  flowCount: TimeWeighted;
}

/**
 * The rows of `nodes.arrow`, `pools.arrow` and `links.arrow` for a range of windows,
 * window by window (then instance, pool or link in datacenter order), so that a run
 * can write the windows that are over and forget them: memory for window statistics
 * does not grow with the run. Window k is [k·w, min((k+1)·w, end)). Names are
 * dictionary codes over values known before the run, one dictionary per column for
 * every batch of a file.
 */
export class WindowTables {
  private readonly pools: readonly PoolTally[];
  private readonly nodeNames: FixedDictionary;
  private readonly racks: Coded;
  private readonly roles: Coded;
  private readonly hardware: Coded;
  private readonly poolNames: FixedDictionary;
  private readonly linkNames: FixedDictionary;
  /** Every tally the tables read. */
  private readonly tallies: TimeWeighted[] = [];
  /** Every work meter the tables read (released with the tallies). */
  private readonly meters: WorkMeter[] = [];
  /** Some instance keeps a prefix cache: nodes.arrow gains its two columns (absent otherwise, tables as before). */
  private readonly withCache: boolean;
  /** Each pool's queue_len_mean by window, as written (the overload trend test reads it). */
  private readonly queues: number[][];
  /** Instance power from the busy tallies (nodes' and pools' power_w_mean, the summary's energy). */
  readonly power: PowerMeter;
  /** The datacenter's mean IT power by window, W, as written (the summary's peak reads it). */
  private readonly itPower: number[] = [];

  constructor(
    private readonly instances: readonly Instance[],
    pools: readonly PoolTally[],
    private readonly links: readonly LinkTally[],
    readonly window_s: number,
  ) {
    // A pool without servers has no rows.
    this.pools = pools.filter((p) => p.servers.length > 0);
    this.queues = this.pools.map(() => []);
    this.nodeNames = new FixedDictionary(instances.map((i) => i.name));
    this.racks = coded(instances.map((i) => i.spec.rack));
    this.roles = coded(instances.map((i) => i.spec.role));
    this.hardware = coded(instances.map((i) => i.spec.hardware));
    this.poolNames = new FixedDictionary(this.pools.map((p) => p.phase));
    this.linkNames = new FixedDictionary(links.map((l) => l.name));
    for (const inst of instances)
      this.tallies.push(
        inst.busy,
        inst.queued,
        inst.inService,
        inst.up,
        ...(inst.kvUsed ? [inst.kvUsed] : []),
        ...(inst.on ? [inst.on] : []),
      );
    for (const inst of instances) if (inst.prefixCache) this.tallies.push(inst.prefixCache.cached);
    this.withCache = instances.some((i) => i.prefixCache);
    for (const pool of this.pools) this.tallies.push(pool.waiting, pool.inService, ...pool.servers.map((s) => s.busy));
    for (const link of links) this.tallies.push(link.rate, link.flowCount);
    for (const inst of instances) this.meters.push(...inst.work);
    this.power = new PowerMeter(instances, pools.find((p) => p.phase === 'prefill')?.servers ?? []);
  }

  /** Rows per window of each table. */
  get rowsPerWindow(): number {
    return this.instances.length + this.pools.length + this.links.length;
  }

  /** Bring every tally's area up to `t_s` (no change of value). */
  close(t_s: number): void {
    for (const t of this.tallies) t.close(t_s);
  }

  /** Forget the windows before `k` in every tally (they were written). */
  release(k: number): void {
    for (const t of this.tallies) t.release(k);
    for (const inst of this.instances) {
      inst.prefixCache?.promptTokens.release(k);
      inst.prefixCache?.cachedTokens.release(k);
    }
    for (const m of this.meters) m.release(k);
  }

  /** `nodes.arrow` rows of windows [k0, k1) of a run that ends at `end_s`. */
  nodeTable(k0: number, k1: number, end_s: number): Table {
    const n = Math.max(0, k1 - k0) * this.instances.length;
    const c = {
      node: new Int32Array(n),
      rack: new Int32Array(n),
      role: new Int32Array(n),
      hardware: new Int32Array(n),
      busy: new Float64Array(n),
      queue: new Float64Array(n),
      batch: new Float64Array(n),
      kv: new Float64Array(n),
      up: new Float64Array(n),
      mfu: new Float64Array(n),
      mbu: new Float64Array(n),
      power: new Float64Array(n),
    };
    const w = this.eachRow(k0, k1, end_s, this.instances, (inst, i, row, k, span) => {
      c.node[row] = inst.index;
      c.rack[row] = this.racks.codes[inst.index] as number;
      c.role[row] = this.roles.codes[inst.index] as number;
      c.hardware[row] = this.hardware.codes[inst.index] as number;
      c.busy[row] = mean(inst.busy, k, span);
      c.queue[row] = mean(inst.queued, k, span);
      c.batch[row] = mean(inst.inService, k, span);
      // Queueing-mode instances hold no KV model: null.
      c.kv[row] = inst.kvUsed ? mean(inst.kvUsed, k, span) : NaN;
      c.up[row] = mean(inst.up, k, span);
      // Queueing-mode instances have no hardware to measure against: null.
      c.mfu[row] = instanceMfu(inst.work, k, span);
      c.mbu[row] = instanceMbu(inst.work, k, span);
      // Queueing-mode instances have no hardware, hence no power: null.
      c.power[row] = this.power.windowW(i, k, span);
      this.itPower[k] = (i === 0 ? 0 : (this.itPower[k] as number)) + (c.power[row] as number);
    });
    return makeTable({
      node: this.nodeNames.column(c.node),
      rack: this.racks.dictionary.column(c.rack),
      role: this.roles.dictionary.column(c.role),
      hardware: this.hardware.dictionary.column(c.hardware),
      window_start_s: float64Column(w.start),
      window_end_s: float64Column(w.end),
      busy_frac: float64Column(c.busy),
      queue_len_mean: float64Column(c.queue),
      batch_mean: float64Column(c.batch),
      kv_used_frac: float64Column(c.kv),
      up_frac: float64Column(c.up),
      mfu: float64Column(c.mfu),
      mbu: float64Column(c.mbu),
      ...this.cacheColumns(k0, k1, end_s),
      power_w_mean: float64Column(c.power),
    });
  }

  /** nodes.arrow's prefix cache columns for windows [k0, k1), none when no instance keeps a cache. */
  private cacheColumns(k0: number, k1: number, end_s: number): Record<string, ReturnType<typeof float64Column>> {
    if (!this.withCache) return {};
    const n = Math.max(0, k1 - k0) * this.instances.length;
    const cached = new Float64Array(n);
    const hit = new Float64Array(n);
    this.eachRow(k0, k1, end_s, this.instances, (inst, _, row, k, span) => {
      [cached[row], hit[row]] = cacheCells(inst, k, span);
    });
    return { kv_cached_frac: float64Column(cached), prefix_hit_rate: float64Column(hit) };
  }

  /** `pools.arrow` rows of windows [k0, k1): one per phase pool per window, shared queues included. */
  poolTable(k0: number, k1: number, end_s: number): Table {
    const n = Math.max(0, k1 - k0) * this.pools.length;
    const c = {
      pool: new Int32Array(n),
      instances: new Int32Array(n),
      on: new Float64Array(n),
      busy: new Float64Array(n),
      queue: new Float64Array(n),
      inService: new Float64Array(n),
      mfu: new Float64Array(n),
      mbu: new Float64Array(n),
      power: new Float64Array(n),
    };
    const w = this.eachRow(k0, k1, end_s, this.pools, (pool, p, row, k, span) => {
      let busy = 0;
      for (const s of pool.servers) busy += mean(s.busy, k, span);
      c.pool[row] = p;
      c.instances[row] = pool.servers.length;
      c.on[row] = this.instancesOn(pool, k, span);
      // Busy fraction of the instances on (with no autoscaling, all of them: on = count exactly).
      c.busy[row] = busy / ((c.on[row] as number) > 0 ? (c.on[row] as number) : pool.servers.length);
      c.queue[row] = mean(pool.waiting, k, span);
      (this.queues[p] as number[])[k] = c.queue[row] as number;
      c.inService[row] = mean(pool.inService, k, span);
      const meters = pool.servers.flatMap((s) => (s.work ? [s.work] : []));
      c.mfu[row] = utilisation(
        meters,
        (m) => m.flops,
        (m) => m.peakFlops_per_s,
        k,
        span,
      );
      c.mbu[row] = utilisation(
        meters,
        (m) => m.bytes,
        (m) => m.peakBytes_per_s,
        k,
        span,
      );
      // The pool's instances' whole power: a colocated instance serves both pools and counts in both.
      let power = 0;
      for (const s of pool.servers) power += s.instance ? this.power.windowW(s.instance.index, k, span) : NaN;
      c.power[row] = power;
    });
    return makeTable({
      pool: this.poolNames.column(c.pool),
      instances: int32Column(c.instances),
      window_start_s: float64Column(w.start),
      window_end_s: float64Column(w.end),
      busy_frac: float64Column(c.busy),
      queue_len_mean: float64Column(c.queue),
      in_service_mean: float64Column(c.inService),
      mfu: float64Column(c.mfu),
      mbu: float64Column(c.mbu),
      power_w_mean: float64Column(c.power),
      instances_on_mean: float64Column(c.on),
    });
  }

  /**
   * Mean number of the pool's instances switched on in window k: an autoscaled one by
   * its on-time, any other always (exactly its count, as `instances`).
   */
  private instancesOn(pool: PoolTally, k: number, span: number): number {
    let on = 0;
    for (const s of pool.servers) {
      const tally = s.instance ? this.instances[s.instance.index]?.on : null;
      on += tally ? mean(tally, k, span) : 1;
    }
    return on;
  }

  /**
   * Each pool's mean queue length in the windows that lie wholly inside [from_s, to_s]
   * (the measured period), from the rows made so far.
   */
  measuredQueues(
    from_s: number,
    to_s: number,
  ): Array<{ pool: string; windows: Array<{ start_s: number; queue: number }> }> {
    const w = this.window_s;
    const eps = 1e-9 * w;
    return this.pools.map((pool, p) => {
      const windows: Array<{ start_s: number; queue: number }> = [];
      (this.queues[p] as number[]).forEach((queue, k) => {
        if (k * w >= from_s - eps && (k + 1) * w <= to_s + eps) windows.push({ start_s: k * w, queue });
      });
      return { pool: pool.phase, windows };
    });
  }

  /**
   * The highest window-mean IT power of the datacenter among the windows that lie
   * wholly inside [from_s, to_s] (the measured period), W, from the rows made so far;
   * undefined when no window does (a window longer than the period).
   */
  measuredPeakItW(from_s: number, to_s: number): number | undefined {
    const w = this.window_s;
    const eps = 1e-9 * w;
    let peak: number | undefined;
    this.itPower.forEach((p, k) => {
      if (k * w >= from_s - eps && (k + 1) * w <= to_s + eps) peak = peak === undefined ? p : Math.max(peak, p);
    });
    return peak;
  }

  /** `links.arrow` rows of windows [k0, k1) (none when hand-offs are instantaneous). */
  linkTable(k0: number, k1: number, end_s: number): Table {
    const n = Math.max(0, k1 - k0) * this.links.length;
    const c = {
      link: new Int32Array(n),
      util: new Float64Array(n),
      flows: new Float64Array(n),
      bytes: new Float64Array(n),
      capacity: new Float64Array(n),
    };
    const w = this.eachRow(k0, k1, end_s, this.links, (link, l, row, k, span) => {
      const bytes = link.rate.windowArea(k);
      c.link[row] = l;
      c.util[row] = span > 0 ? bytes / (link.capacity_Bps * span) : 0;
      c.flows[row] = mean(link.flowCount, k, span);
      c.bytes[row] = bytes;
      c.capacity[row] = (link.capacity_Bps * 8) / 1e9;
    });
    return makeTable({
      link: this.linkNames.column(c.link),
      window_start_s: float64Column(w.start),
      window_end_s: float64Column(w.end),
      util_frac: float64Column(c.util),
      flows_mean: float64Column(c.flows),
      bytes: float64Column(c.bytes),
      capacity_gbps: float64Column(c.capacity),
    });
  }

  /**
   * One call per row of windows [k0, k1): window by window, then item by item. Returns
   * the rows' window bounds, the same two columns in every table.
   */
  private eachRow<T>(
    k0: number,
    k1: number,
    end_s: number,
    items: readonly T[],
    row: (item: T, index: number, row: number, k: number, span: number) => void,
  ): { start: Float64Array; end: Float64Array } {
    const n = Math.max(0, k1 - k0) * items.length;
    const bounds = { start: new Float64Array(n), end: new Float64Array(n) };
    let r = 0;
    for (let k = k0; k < k1; k++) {
      const start = k * this.window_s;
      const end = Math.min((k + 1) * this.window_s, end_s);
      items.forEach((item, i) => {
        bounds.start[r] = start;
        bounds.end[r] = end;
        row(item, i, r++, k, end - start);
      });
    }
    return bounds;
  }
}

/**
 * An instance's prefix cache in window k: the mean share of KV its cached blocks hold,
 * and cached ÷ prompt tokens of the prompts that started prefill in the window. Null
 * (NaN) for instances without a cache (decoders) and windows where no prompt started.
 */
function cacheCells(inst: Instance, k: number, span: number): [number, number] {
  const pc = inst.prefixCache;
  if (!pc) return [NaN, NaN];
  const prompt = pc.promptTokens.window(k);
  return [mean(pc.cached, k, span), prompt > 0 ? pc.cachedTokens.window(k) / prompt : NaN];
}

/** Windows of a run that ends at `end_s`: ⌈end/w⌉, at least one. */
export function windowCount(window_s: number, end_s: number): number {
  return Math.max(1, Math.ceil(end_s / window_s - 1e-12));
}

interface Coded {
  dictionary: FixedDictionary;
  codes: number[];
}

/** A dictionary of the distinct values, in order of first appearance, and each value's code. */
function coded(values: readonly string[]): Coded {
  const distinct: string[] = [];
  const index = new Map<string, number>();
  const codes = values.map((v) => {
    let code = index.get(v);
    if (code === undefined) {
      code = distinct.length;
      index.set(v, code);
      distinct.push(v);
    }
    return code;
  });
  return { dictionary: new FixedDictionary(distinct), codes };
}

/** An instance's MFU and MBU in window k (its phases' meters together); NaN without any. */
const instanceMfu = (work: readonly WorkMeter[], k: number, span: number) =>
  instanceUtilisation(
    work,
    (m) => m.flops,
    (m) => m.peakFlops_per_s,
    k,
    span,
  );
const instanceMbu = (work: readonly WorkMeter[], k: number, span: number) =>
  instanceUtilisation(
    work,
    (m) => m.bytes,
    (m) => m.peakBytes_per_s,
    k,
    span,
  );

function mean(t: TimeWeighted, k: number, span_s: number): number {
  return span_s > 0 ? t.windowArea(k) / span_s : 0;
}

/**
 * Work done in window k over what the meters' hardware could have done in it: Σ work ÷
 * (Σ peak × span). NaN (null in the table) without meters (queueing mode).
 */
function utilisation(
  meters: readonly WorkMeter[],
  sum: (m: WorkMeter) => IntervalSum,
  peak: (m: WorkMeter) => number,
  k: number,
  span_s: number,
): number {
  if (meters.length === 0) return NaN;
  let work = 0;
  let capacity = 0;
  for (const m of meters) {
    work += sum(m).windowArea(k);
    capacity += peak(m) * span_s;
  }
  return capacity > 0 ? work / capacity : 0;
}

/** An instance's work (the sum of its phases' meters) over its one replica's peak; NaN without meters. */
function instanceUtilisation(
  meters: readonly WorkMeter[],
  sum: (m: WorkMeter) => IntervalSum,
  peak: (m: WorkMeter) => number,
  k: number,
  span_s: number,
): number {
  const first = meters[0];
  if (!first) return NaN;
  let work = 0;
  for (const m of meters) work += sum(m).windowArea(k);
  return span_s > 0 ? work / (peak(first) * span_s) : 0;
}
