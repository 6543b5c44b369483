// How long a switched-off instance takes to serve once an autoscaler turns it on: the
// machine boots (power-on, OS, container, runtime start), then the replica's weights
// are loaded onto its devices. Pure functions; the figures are catalog fields with
// their sources (sim/physics/hardware.ts; docs/physics.md, Provisioning).
import type { Deployment } from './deployment.js';
import { replicaWeightBytes } from './deployment.js';
import type { HardwareSpec } from './hardware.js';

/**
 * Boot time of hardware that states none, s. **Assumption**: 120 s for a server to
 * power on, boot and start its serving container (no measurement in our sources; the
 * Anyscale post puts the whole cold start, node to serving, at "up to 10 minutes").
 */
export const DEFAULT_BOOT_S = 120;

/**
 * Weight load rate per device of hardware that states none, GB/s. **Assumption**: the
 * H100's (Anyscale's 7 GB/s per 8-GPU node, 0.875 GB/s per GPU).
 */
export const DEFAULT_WEIGHT_LOAD_GBYTES_PER_S = 7 / 8;

/** Boot and per-device weight load rate of a hardware entry, its optional fields filled. */
export function provisioningFigures(hw: HardwareSpec): { boot_s: number; load_gbytes_per_s: number } {
  return {
    boot_s: hw.boot_s ?? DEFAULT_BOOT_S,
    load_gbytes_per_s: hw.weight_load_gbytes_per_s ?? DEFAULT_WEIGHT_LOAD_GBYTES_PER_S,
  };
}

/**
 * Seconds from the decision to turn an instance on to its first pass: boot, then the
 * replica's weights (the draft's too, when it speculates) at the per-device rate times
 * its devices (each device, or its share of the host, loads its own shard in parallel).
 */
export function provisioningSeconds(d: Deployment): number {
  const { boot_s, load_gbytes_per_s } = provisioningFigures(d.hardware);
  const rate_bytes_per_s = load_gbytes_per_s * 1e9 * d.devices;
  return boot_s + replicaWeightBytes(d) / rate_bytes_per_s;
}
