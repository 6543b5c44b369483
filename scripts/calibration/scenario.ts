// A measurement row → the scenario that reproduces its setup. The hardware constants
// come from the `catalog` argument, not from the catalog module, so that a fit can
// pass trial constants and rerun the same rows (scripts/calibration/simulate.ts).
import { HARDWARE, type HardwareSpec, kvCapacityTokens, MODELS, type ModelArch } from '../../sim/physics/index.js';
import type { Measurement } from './measurements.js';

/** The hardware entries rows are simulated on (by default the catalog's). */
export interface Catalog {
  hardware: Readonly<Record<string, HardwareSpec>>;
}
export const CATALOG: Catalog = { hardware: HARDWARE };

/**
 * Models some rows use that the catalog does not hold, written inline. Llama-2-70B:
 * meta-llama/Llama-2-70b-hf config.json (80 layers, hidden 8,192, 64 heads, 8 KV
 * heads, FFN 28,672, vocabulary 32,000, untied embeddings).
 */
export const INLINE_MODELS: Readonly<Record<string, ModelArch>> = {
  'llama-2-70b (inline)': {
    id: 'llama-2-70b',
    layers: 80,
    hidden: 8192,
    heads: 64,
    kv_heads: 8,
    head_dim: 128,
    ffn: 28_672,
    vocab: 32_000,
    tied_embeddings: false,
  },
};

export function modelOf(row: Measurement): ModelArch | undefined {
  return MODELS[row.model] ?? INLINE_MODELS[row.model];
}

/** Assumptions every row's scenario shares (docs/measurements.md, How a row is simulated). */
export const SETUP = {
  /** Serving engines of the set (TensorRT-LLM without chunked prefill, NxD's whole-context
   * encoding, vLLM V0) run a prompt in one pass while decode waits: prefill-first. */
  mixedPolicy: 'prefill-first',
  /** Requests an offline burst holds: this many times the instance's concurrent capacity. */
  offlineCapacities: 2,
  offlineMinRequests: 64,
  offlineMaxRequests: 4000,
  /** Requests of a Poisson row: the 500 the TensorRT-LLM serving table states. */
  poissonRequests: 500,
  /** Requests of an open-loop stand-in for N users: this many per user, at least 200. */
  requestsPerUser: 20,
  /** Halvings of the rate interval when matching N users by an open loop (2^-12 of it). */
  bisections: 12,
  /** Arrivals before this fraction of the run are warm-up in concurrency rows. */
  warmupFrac: 0.25,
  /** Acceptance of a draft token where a row speculates (**assumption**: no source in
   * the set publishes it; a round value set before simulating those rows, not fitted). */
  speculativeAcceptance: 0.8,
  /** Enough drain that every request ends (no row is near an hour per request). */
  drain_s: 36_000,
} as const;

export type Workload =
  | { kind: 'single' }
  | { kind: 'offline'; requests: number }
  | { kind: 'poisson'; rate_per_s: number; requests: number }
  | { kind: 'open-loop-users'; rate_per_s: number; requests: number }
  | { kind: 'closed'; users: number; duration_s: number };

/** The instance's concurrent capacity: its batch cap or the full contexts its KV holds. */
export function concurrentCapacity(row: Measurement, catalog: Catalog): number {
  const model = modelOf(row);
  const hardware = catalog.hardware[row.hardware];
  if (!model || !hardware) return 1;
  const precision = { weights: row.weights as 'bf16' | 'fp8', kv: row.kv as 'bf16' | 'fp8' };
  const kv = kvCapacityTokens({ model, hardware, devices: row.devices, precision });
  const perRequest = (row.promptTokens ?? 1) + (row.outputTokens ?? 1);
  return Math.max(1, Math.min(row.maxBatch ?? 1, Math.floor(kv / perRequest)));
}

/** A complete inline hardware entry (what a scenario file may write), from a spec. */
function inlineHardware(spec: HardwareSpec): Record<string, unknown> {
  const { wafer, shape_devices, ...rest } = spec;
  return { ...rest, ...(wafer ? { wafer } : {}), ...(shape_devices ? { shape_devices } : {}) };
}

/** The scenario (as a scenario file would say it) of one row under one workload. */
export function rowScenario(row: Measurement, catalog: Catalog, workload: Workload): Record<string, unknown> {
  const spec = catalog.hardware[row.hardware];
  if (!spec) throw new Error(`${row.id}: hardware '${row.hardware}' is not in the catalog`);
  const model = MODELS[row.model] ? row.model : INLINE_MODELS[row.model];
  if (!model) throw new Error(`${row.id}: model '${row.model}' is neither in the catalog nor inline`);
  const arrivals = (() => {
    switch (workload.kind) {
      // One arrival, at t = 1 s: a deterministic process of 1/s over 1.5 s.
      case 'single':
        return { arrivals: { process: 'deterministic', rate_per_s: 1 }, duration_s: 1.5 };
      // The whole burst lands within a millisecond: an offline benchmark's queue at t = 0.
      case 'offline':
        return { arrivals: { process: 'deterministic', rate_per_s: 1e6 }, duration_s: (workload.requests + 0.5) / 1e6 };
      case 'poisson':
        return {
          arrivals: { process: 'poisson', rate_per_s: workload.rate_per_s },
          duration_s: workload.requests / workload.rate_per_s,
        };
      case 'open-loop-users': {
        const duration_s = workload.requests / workload.rate_per_s;
        return {
          arrivals: { process: 'deterministic', rate_per_s: workload.rate_per_s },
          duration_s,
          warmup_s: duration_s * SETUP.warmupFrac,
        };
      }
      case 'closed':
        return {
          arrivals: { process: 'closed', users: workload.users },
          duration_s: workload.duration_s,
          warmup_s: workload.duration_s * SETUP.warmupFrac,
        };
    }
  })();
  return {
    name: row.id.replace(/[^a-z0-9._-]/g, '-'),
    seed: 1,
    duration_s: arrivals.duration_s,
    ...('warmup_s' in arrivals ? { warmup_s: arrivals.warmup_s } : {}),
    drain_s: SETUP.drain_s,
    model,
    precision: { weights: row.weights, kv: row.kv },
    datacenter: {
      racks: [
        {
          name: 'bench',
          nodes: [
            {
              hardware: inlineHardware(spec),
              devices: row.devices,
              role: 'mixed',
              count: 1,
              ...(row.speculative
                ? { speculative: { ...row.speculative, acceptance: SETUP.speculativeAcceptance } }
                : {}),
            },
          ],
        },
      ],
      network: { kv_transfer: 'off' },
    },
    workload: {
      arrivals: arrivals.arrivals,
      prompt_tokens: { dist: 'constant', value: row.promptTokens },
      output_tokens: { dist: 'constant', value: row.outputTokens },
    },
    scheduling: {
      decode_max_batch: row.maxBatch,
      // Fixed-concurrency rows: a prompt joins the running decode batch whole, in one
      // iteration (TensorRT-LLM's in-flight batching, vLLM's mixed batches), instead of
      // pausing every decoder while it runs (docs/measurements.md, How a row is simulated).
      ...(workload.kind === 'closed'
        ? { mixed_policy: 'chunked', chunk_tokens: row.promptTokens }
        : { mixed_policy: SETUP.mixedPolicy }),
    },
  };
}
