// Electrical power of instances and of the datacenter around them. Pure functions:
// the run measures how long each instance spends in each state (sim/metrics), these
// turn those times into watts and joules. Constants: docs/physics.md, Power.
import type { Deployment } from './deployment.js';
import type { HardwareSpec } from './hardware.js';

/**
 * Idle draw, as a fraction of busy draw, of hardware that states no idle figure
 * (inline entries without `idle_power_w`). **Assumption**: 10%, the fraction the
 * catalog assumes for every entry (no published idle measurement in our sources).
 */
export const DEFAULT_IDLE_FRAC = 0.1;

/**
 * Power usage effectiveness (facility power ÷ IT power) when a scenario sets none.
 * **Assumption**: 1.3, what Uptime Institute's 2024 survey reports new, large
 * facilities reaching ("PUEs of 1.3 or even better"), below its industry average of
 * 1.56–1.58 (2023–2024), which older, smaller sites pull up; an inference datacenter is
 * new. Addresses: docs/physics.md, Power.
 */
export const DEFAULT_PUE = 1.3;

/**
 * Electricity price when a scenario sets none, US dollars per kWh. **Assumption**:
 * $0.08, the US average retail price to industrial customers (EIA data: 8.06 ¢/kWh in
 * 2023). Addresses: docs/physics.md, Power.
 */
export const DEFAULT_USD_PER_KWH = 0.08;

/** Joules in a kilowatt-hour. */
export const J_PER_KWH = 3.6e6;

/** What one instance (a replica on `devices` devices) draws in each state, watts, IT side. */
export interface InstancePower {
  /** Devices powered but idle. */
  idle_w: number;
  /** Devices running prefill (or mixed passes that carry prompt chunks): compute-bound. */
  prefill_w: number;
  /** Devices running decode steps only: memory-bound, below TDP on GPUs. */
  decode_w: number;
  /** The host around the devices (CPUs, memory, NICs, fans, power conversion), drawn while on. */
  host_w: number;
}

/** Per-device draws of a hardware entry, its optional fields filled (docs/physics.md, Power). */
export function devicePower(hw: HardwareSpec): InstancePower {
  return {
    idle_w: hw.idle_power_w ?? DEFAULT_IDLE_FRAC * hw.power_w,
    prefill_w: hw.power_w,
    // Without a measured decode draw, decode is charged as any busy pass (no split).
    decode_w: hw.decode_power_w ?? hw.power_w,
    host_w: hw.host_power_w ?? 0,
  };
}

/** An instance's draws: its devices' times their count (the host share is per device too). */
export function instancePower(d: Deployment): InstancePower {
  const p = devicePower(d.hardware);
  return {
    idle_w: p.idle_w * d.devices,
    prefill_w: p.prefill_w * d.devices,
    decode_w: p.decode_w * d.devices,
    host_w: p.host_w * d.devices,
  };
}

/**
 * Nameplate power of an instance: the most it can draw (busiest phase plus host), what
 * a rack's power budget must hold.
 */
export function nameplateW(p: InstancePower): number {
  return Math.max(p.prefill_w, p.decode_w, p.idle_w) + p.host_w;
}

/**
 * Mean draw over a span in which the instance ran prompt work a fraction `prefillFrac`
 * of the time and decode steps alone a fraction `decodeFrac` (the rest idle):
 * host + idle + (prefill − idle)·prefillFrac + (decode − idle)·decodeFrac. With one
 * busy power this is idle + (busy − idle) × busy fraction.
 */
export function meanPowerW(p: InstancePower, prefillFrac: number, decodeFrac: number): number {
  return p.host_w + p.idle_w + (p.prefill_w - p.idle_w) * prefillFrac + (p.decode_w - p.idle_w) * decodeFrac;
}

/**
 * Mean draw of an instance switched on a fraction `onFrac` of the span (an autoscaled
 * one; off it draws nothing, host included): as meanPowerW, the host and idle draw
 * scaled by the on-fraction (busy time is always on-time).
 */
export function meanPowerOnW(p: InstancePower, onFrac: number, prefillFrac: number, decodeFrac: number): number {
  return (p.host_w + p.idle_w) * onFrac + (p.prefill_w - p.idle_w) * prefillFrac + (p.decode_w - p.idle_w) * decodeFrac;
}

/** Energy over `span_s` of which `prefill_s` ran prompt work and `decode_s` decode alone, joules. */
export function energyJ(p: InstancePower, span_s: number, prefill_s: number, decode_s: number): number {
  return (p.host_w + p.idle_w) * span_s + (p.prefill_w - p.idle_w) * prefill_s + (p.decode_w - p.idle_w) * decode_s;
}

/** Facility power or energy from IT power or energy: × PUE (cooling, power conversion, lighting). */
export function facility(it: number, pue: number): number {
  return it * pue;
}
