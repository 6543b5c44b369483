import type { Table } from 'apache-arrow';
import type { Instance } from '../datacenter/index.js';
import type { TimeWeighted } from '../engine/index.js';
import { float64Column, int32Column, makeTable, stringColumn } from './arrow.js';

/** The window grid of a run: [k·w, min((k+1)·w, end)) for k = 0 … ⌈end/w⌉ − 1. */
export function windowBounds(window_s: number, end_s: number): { start: number[]; end: number[] } {
  const n = Math.max(1, Math.ceil(end_s / window_s - 1e-12));
  const start: number[] = [];
  const end: number[] = [];
  for (let k = 0; k < n; k++) {
    start.push(k * window_s);
    end.push(Math.min((k + 1) * window_s, end_s));
  }
  return { start, end };
}

/** `nodes.arrow`: one row per instance per window. */
export function nodesTable(instances: readonly Instance[], window_s: number, end_s: number): Table {
  const { start, end } = windowBounds(window_s, end_s);
  const cols = {
    node: [] as string[], rack: [] as string[], role: [] as string[], hardware: [] as string[],
    window_start_s: [] as number[], window_end_s: [] as number[], busy_frac: [] as number[],
    queue_len_mean: [] as number[], batch_mean: [] as number[], kv_used_frac: [] as number[], up_frac: [] as number[],
  };
  for (const inst of instances) {
    for (let k = 0; k < start.length; k++) {
      const span = (end[k] as number) - (start[k] as number);
      cols.node.push(inst.name);
      cols.rack.push(inst.spec.rack);
      cols.role.push(inst.spec.role);
      cols.hardware.push(inst.spec.hardware);
      cols.window_start_s.push(start[k] as number);
      cols.window_end_s.push(end[k] as number);
      cols.busy_frac.push(mean(inst.busy, k, span));
      cols.queue_len_mean.push(mean(inst.queued, k, span));
      cols.batch_mean.push(mean(inst.inService, k, span));
      // Queueing-mode instances hold no KV model: null.
      cols.kv_used_frac.push(inst.kvUsed ? mean(inst.kvUsed, k, span) : NaN);
      cols.up_frac.push(mean(inst.up, k, span));
    }
  }
  return makeTable({
    node: stringColumn(cols.node), rack: stringColumn(cols.rack), role: stringColumn(cols.role),
    hardware: stringColumn(cols.hardware), window_start_s: float64Column(cols.window_start_s),
    window_end_s: float64Column(cols.window_end_s), busy_frac: float64Column(cols.busy_frac),
    queue_len_mean: float64Column(cols.queue_len_mean), batch_mean: float64Column(cols.batch_mean),
    kv_used_frac: float64Column(cols.kv_used_frac), up_frac: float64Column(cols.up_frac),
  });
}

/** What `pools.arrow` needs of a pool. */
export interface PoolTally {
  phase: string;
  waiting: TimeWeighted;
  inService: TimeWeighted;
  servers: ReadonlyArray<{ busy: TimeWeighted }>;
}

/** `pools.arrow`: one row per phase pool per window, shared queues included. */
export function poolsTable(pools: readonly PoolTally[], window_s: number, end_s: number): Table {
  const { start, end } = windowBounds(window_s, end_s);
  const cols = {
    pool: [] as string[], instances: [] as number[], window_start_s: [] as number[], window_end_s: [] as number[],
    busy_frac: [] as number[], queue_len_mean: [] as number[], in_service_mean: [] as number[],
  };
  for (const pool of pools) {
    if (pool.servers.length === 0) continue;
    for (let k = 0; k < start.length; k++) {
      const span = (end[k] as number) - (start[k] as number);
      let busy = 0;
      for (const s of pool.servers) busy += mean(s.busy, k, span);
      cols.pool.push(pool.phase);
      cols.instances.push(pool.servers.length);
      cols.window_start_s.push(start[k] as number);
      cols.window_end_s.push(end[k] as number);
      cols.busy_frac.push(busy / pool.servers.length);
      cols.queue_len_mean.push(mean(pool.waiting, k, span));
      cols.in_service_mean.push(mean(pool.inService, k, span));
    }
  }
  return makeTable({
    pool: stringColumn(cols.pool), instances: int32Column(cols.instances),
    window_start_s: float64Column(cols.window_start_s), window_end_s: float64Column(cols.window_end_s),
    busy_frac: float64Column(cols.busy_frac), queue_len_mean: float64Column(cols.queue_len_mean),
    in_service_mean: float64Column(cols.in_service_mean),
  });
}

function mean(t: TimeWeighted, k: number, span_s: number): number {
  return span_s > 0 ? t.windowArea(k) / span_s : 0;
}

/** What `links.arrow` needs of a link. */
export interface LinkTally {
  name: string;
  capacity_Bps: number;
  rate: TimeWeighted;
  flowCount: TimeWeighted;
}

/** `links.arrow`: one row per network link per window (no rows when hand-offs are instantaneous). */
export function linksTable(links: readonly LinkTally[], window_s: number, end_s: number): Table {
  const { start, end } = windowBounds(window_s, end_s);
  const cols = {
    link: [] as string[], capacity_gbps: [] as number[], window_start_s: [] as number[], window_end_s: [] as number[],
    util_frac: [] as number[], flows_mean: [] as number[], bytes: [] as number[],
  };
  for (const link of links) {
    for (let k = 0; k < start.length; k++) {
      const span = (end[k] as number) - (start[k] as number);
      const bytes = link.rate.windowArea(k);
      cols.link.push(link.name);
      cols.capacity_gbps.push((link.capacity_Bps * 8) / 1e9);
      cols.window_start_s.push(start[k] as number);
      cols.window_end_s.push(end[k] as number);
      cols.util_frac.push(span > 0 ? bytes / (link.capacity_Bps * span) : 0);
      cols.flows_mean.push(mean(link.flowCount, k, span));
      cols.bytes.push(bytes);
    }
  }
  return makeTable({
    link: stringColumn(cols.link), window_start_s: float64Column(cols.window_start_s),
    window_end_s: float64Column(cols.window_end_s), util_frac: float64Column(cols.util_frac),
    flows_mean: float64Column(cols.flows_mean), bytes: float64Column(cols.bytes),
    capacity_gbps: float64Column(cols.capacity_gbps),
  });
}
