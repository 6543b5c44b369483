import { tableFromIPC, tableToIPC, type Table } from 'apache-arrow';
import { checkScenario, type ResolvedScenario } from '../../sim/index.js';

type Dist =
  | { dist: 'exponential'; mean_s: number }
  | { dist: 'deterministic'; value_s: number }
  | { dist: 'lognormal'; mean_s: number; cv: number };

export interface Station {
  count: number;
  service: Dist;
}

/**
 * A queueing-mode scenario: Poisson arrivals at `rate`, a prefill pool and a decode
 * pool of exponential/deterministic/lognormal servers, instantaneous hand-off.
 */
export function queueingScenario(o: {
  name?: string;
  rate: number;
  prefill: Station;
  decode?: Station;
  router?: string;
  duration_s: number;
  warmup_s?: number;
  seed?: number;
  window_s?: number;
  arrivals?: object;
}): ResolvedScenario {
  const decode = o.decode ?? { count: 1, service: { dist: 'deterministic', value_s: 1e-6 } };
  return checkScenario(
    {
      name: o.name ?? 'queueing-test',
      seed: o.seed ?? 1,
      duration_s: o.duration_s,
      warmup_s: o.warmup_s ?? 0,
      datacenter: {
        racks: [
          { name: 'p', nodes: [{ count: o.prefill.count, role: 'prefill', service: { prefill: o.prefill.service } }] },
          { name: 'd', nodes: [{ count: decode.count, role: 'decode', service: { decode: decode.service } }] },
        ],
        network: { kv_transfer: 'off' },
      },
      workload: {
        arrivals: o.arrivals ?? { process: 'poisson', rate_per_s: o.rate },
        prompt_tokens: { dist: 'constant', value: 100 },
        output_tokens: { dist: 'constant', value: 10 },
      },
      scheduling: { router: o.router ?? 'pool-fcfs' },
      metrics: { window_s: o.window_s ?? 100 },
    },
    'test',
  );
}

/** A column of an Arrow table as plain numbers (nulls as NaN), rows in table order. */
export function column(table: Table, name: string): number[] {
  const col = table.getChild(name);
  if (!col) throw new Error(`no column ${name}`);
  return Array.from({ length: table.numRows }, (_, i) => {
    const v = col.get(i);
    return v === null ? NaN : Number(v);
  });
}

/** Rows of the measured (non-warm-up) requests, sorted by arrival. */
export function measured(requests: Table, name: string): number[] {
  const warm = requests.getChild('warmup');
  const arrival = column(requests, 'arrival_s');
  const values = column(requests, name);
  const idx = values.map((_, i) => i).filter((i) => !warm?.get(i));
  idx.sort((a, b) => (arrival[a] as number) - (arrival[b] as number));
  return idx.map((i) => values[i] as number);
}

/** Write and read back through Arrow IPC bytes, as a user's reader would. */
export function roundTrip(table: Table): Table {
  return tableFromIPC(tableToIPC(table, 'file'));
}
