import type { TimeWeighted } from '../engine/index.js';
import { energyJ, instancePower, type InstancePower, meanPowerOnW, meanPowerW } from '../physics/index.js';
import type { Deployment } from '../physics/index.js';

/** What the power meter needs of an instance: its index, busy tally and replica. */
export interface MeteredInstance {
  index: number;
  busy: TimeWeighted;
  /** On-time tally of an autoscaled instance (1 on, 0 off); absent or null: always on. */
  on?: TimeWeighted | null | undefined;
  spec: { deployment?: Deployment | undefined };
}

/** A prefill server: busy while prompt work is in service on its instance. */
export interface PrefillTally {
  busy: TimeWeighted;
  instance?: { index: number } | undefined;
}

/**
 * Instance power from the time tallies the run already keeps (sim/physics/power.ts
 * for the formulas). An instance draws prefill power while its prefill server (or a
 * colocated instance's prefill face) has work in service, since those passes carry
 * prompt tokens and are compute-bound; decode power while it is busy with decode
 * alone; idle power otherwise, a failed instance included (**assumption**: it stays
 * powered until repaired); the host's power always while on. An autoscaled instance
 * switched off draws nothing. Queueing-mode instances have no hardware: NaN.
 */
export class PowerMeter {
  private readonly power: Array<InstancePower | null>;
  private readonly prefill: Array<TimeWeighted | null>;

  constructor(
    private readonly instances: readonly MeteredInstance[],
    prefillServers: readonly PrefillTally[],
  ) {
    this.power = instances.map((i) => (i.spec.deployment ? instancePower(i.spec.deployment) : null));
    this.prefill = instances.map(() => null);
    for (const s of prefillServers) if (s.instance) this.prefill[s.instance.index] = s.busy;
  }

  /** Whether every instance has a power model (else datacenter totals are NaN). */
  get complete(): boolean {
    return this.power.every((p) => p !== null);
  }

  /** Mean IT power of instance `i` over window k of length span_s, W; NaN without hardware. */
  windowW(i: number, k: number, span_s: number): number {
    const p = this.power[i];
    const inst = this.instances[i];
    if (!p || !inst) return NaN;
    if (!(span_s > 0)) return meanPowerW(p, 0, 0);
    const busy = inst.busy.windowArea(k) / span_s;
    const prefill = Math.min(busy, (this.prefill[i]?.windowArea(k) ?? 0) / span_s);
    // Always-on instances keep the formula (and the bits) they had before autoscaling.
    if (inst.on) return meanPowerOnW(p, inst.on.windowArea(k) / span_s, prefill, busy - prefill);
    return meanPowerW(p, prefill, busy - prefill);
  }

  /** IT energy of every instance over the measurement interval of length span_s, J; NaN if any lacks hardware. */
  measuredJ(span_s: number): number {
    let sum = 0;
    this.instances.forEach((inst, i) => {
      const p = this.power[i];
      if (!p) {
        sum = NaN;
        return;
      }
      const busy = inst.busy.measured;
      const prefill = Math.min(busy, this.prefill[i]?.measured ?? 0);
      sum += energyJ(p, inst.on ? inst.on.measured : span_s, prefill, busy - prefill);
    });
    return sum;
  }
}
