// Instance sizing: how many devices hold one model replica, and how much KV cache is
// left. Pure functions.
import type { HardwareSpec } from './hardware.js';
import { kvBytesPerToken, type ModelArch, type Precision, weightBytes } from './model.js';
import type { Speculative } from './speculative.js';

/** One model replica on `devices` devices of one hardware kind. */
export interface Deployment {
  model: ModelArch;
  hardware: HardwareSpec;
  devices: number;
  precision: Precision;
  /** Speculative decoding: a draft model beside the target on the same devices. */
  speculative?: Speculative | undefined;
}

/**
 * Fraction of usable memory that sizing keeps free for KV cache when it picks the
 * device count (assumption: 10%; a replica with no room for KV serves nobody).
 */
export const KV_RESERVE_FRAC = 0.1;
/** Largest replica sizing will consider (devices). */
export const MAX_DEVICES = 1024;

export const usableBytes = (hw: HardwareSpec, devices: number): number =>
  devices * hw.memory_gb * 1e9 * hw.usable_memory_frac;

/** Device counts sizing may choose: multiples of an instance shape; powers of two for
 * tensor-parallel accelerators (assumption: TP degrees are powers of two); any count
 * of wafers (layers are pipelined, not split). */
export function candidateDevices(hw: HardwareSpec): number[] {
  const out: number[] = [];
  if (hw.shape_devices) for (let d = hw.shape_devices; d <= MAX_DEVICES; d += hw.shape_devices) out.push(d);
  else if (hw.model === 'wafer-pipeline') for (let d = 1; d <= MAX_DEVICES; d++) out.push(d);
  else for (let d = 1; d <= MAX_DEVICES; d *= 2) out.push(d);
  return out;
}

/** Whether `devices` hold the weights (and a draft model's beside them) and still keep the KV reserve free. */
export function fits(
  model: ModelArch,
  hw: HardwareSpec,
  precision: Precision,
  devices: number,
  draft?: ModelArch,
): boolean {
  const weights = weightBytes(model, precision) + (draft ? weightBytes(draft, precision) : 0);
  return weights <= (1 - KV_RESERVE_FRAC) * usableBytes(hw, devices);
}

/** The fewest devices that fit (the default for a node group's `devices`), or undefined. */
export function fewestDevices(
  model: ModelArch,
  hw: HardwareSpec,
  precision: Precision,
  draft?: ModelArch,
): number | undefined {
  return candidateDevices(hw).find((d) => fits(model, hw, precision, d, draft));
}

/** Weights resident on the replica: the target's, plus the draft's when it speculates. */
export function replicaWeightBytes(d: Deployment): number {
  const draft = d.speculative?.draft;
  return weightBytes(d.model, d.precision) + (draft ? weightBytes(draft, d.precision) : 0);
}

/**
 * KV bytes one token of context holds on the replica: with speculative decoding the
 * draft keeps its own KV for every token the target does (it runs over the same
 * sequence), in the same KV format (assumption: one precision setting for both).
 */
export function replicaKvBytesPerToken(d: Deployment): number {
  const draft = d.speculative?.draft;
  return kvBytesPerToken(d.model, d.precision) + (draft ? kvBytesPerToken(draft, d.precision) : 0);
}

/** KV cache capacity of one replica, in tokens: usable memory left after the weights. */
export function kvCapacityTokens(d: Deployment): number {
  const free = usableBytes(d.hardware, d.devices) - replicaWeightBytes(d);
  return Math.max(0, Math.floor(free / replicaKvBytesPerToken(d)));
}

/**
 * The draft model as a replica of its own, for timing its passes. Tensor-parallel
 * hardware shards it over the target's devices (as the Neuron tutorials run the 1B
 * draft at the target's TP degree). A wafer pipeline places it on the fewest wafers
 * that hold it (assumption: spreading a small draft over more wafers would only add
 * hops).
 */
export function draftDeployment(d: Deployment): Deployment | undefined {
  const s = d.speculative;
  if (!s) return undefined;
  const devices =
    d.hardware.model === 'wafer-pipeline'
      ? Math.min(d.devices, fewestDevices(s.draft, d.hardware, d.precision) ?? d.devices)
      : d.devices;
  return { model: s.draft, hardware: d.hardware, devices, precision: d.precision };
}

/** Hourly price and power of one replica. */
export function replicaPricePerHour(d: Deployment): number {
  return d.devices * d.hardware.price_per_hour_usd;
}

/** Scale-out bandwidth of one replica (sum of its devices' NICs), Gb/s. */
export function replicaNicGbps(d: Deployment): number {
  return d.devices * d.hardware.nic_gbps;
}
