// Instance sizing: how many devices hold one model replica, and how much KV cache is
// left. Pure functions.
import type { HardwareSpec } from './hardware.js';
import { kvBytesPerToken, type ModelArch, type Precision, weightBytes } from './model.js';

/** One model replica on `devices` devices of one hardware kind. */
export interface Deployment {
  model: ModelArch;
  hardware: HardwareSpec;
  devices: number;
  precision: Precision;
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

/** Whether `devices` hold the weights and still keep the KV reserve free. */
export function fits(model: ModelArch, hw: HardwareSpec, precision: Precision, devices: number): boolean {
  return weightBytes(model, precision) <= (1 - KV_RESERVE_FRAC) * usableBytes(hw, devices);
}

/** The fewest devices that fit (the default for a node group's `devices`), or undefined. */
export function fewestDevices(model: ModelArch, hw: HardwareSpec, precision: Precision): number | undefined {
  return candidateDevices(hw).find((d) => fits(model, hw, precision, d));
}

/** KV cache capacity of one replica, in tokens: usable memory left after the weights. */
export function kvCapacityTokens(d: Deployment): number {
  const free = usableBytes(d.hardware, d.devices) - weightBytes(d.model, d.precision);
  return Math.max(0, Math.floor(free / kvBytesPerToken(d.model, d.precision)));
}

/** Hourly price and power of one replica. */
export function replicaPricePerHour(d: Deployment): number {
  return d.devices * d.hardware.price_per_hour_usd;
}

/** Scale-out bandwidth of one replica (sum of its devices' NICs), Gb/s. */
export function replicaNicGbps(d: Deployment): number {
  return d.devices * d.hardware.nic_gbps;
}
