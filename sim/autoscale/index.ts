// The run's autoscalers, one per autoscaled node group, and what the summary reads of
// them: on-time (instance-hours, price) and SLO attainment during ramps.
import type { Calendar } from '../engine/index.js';
import type { ResolvedScenario } from '../scenario/resolved.js';
import { Autoscaler, type EndedRequest, type ScaledInstance, type ScalingHost } from './controller.js';

export { Autoscaler, type ScalingHost, type ScaledInstance } from './controller.js';
export { decide, recommended, type Signal, type PolicySettings } from './policy.js';

/** A request as the ramp count reads it. */
export interface RampRequest extends EndedRequest {
  readonly id: number;
  readonly warmup: boolean;
}

/**
 * Every autoscaled group's controller. A ramp is a span in which some group has an
 * instance provisioning (from a scale-out decision until the last instance it ordered
 * serves): the load has outgrown the instances serving it. Requests that arrive in a
 * ramp are followed to their end for `slo_attainment_ramps`.
 */
export class Autoscaling {
  readonly scalers: Autoscaler[];
  /** Measured requests that arrived in a ramp and have not ended. */
  private readonly inRamp = new Set<number>();
  private rampMeasured = 0;
  private rampMet = 0;

  constructor(
    calendar: Calendar,
    private readonly scenario: ResolvedScenario,
    instances: readonly ScaledInstance[],
    host: ScalingHost,
  ) {
    this.scalers = scenario.autoscale.map(
      (g) => new Autoscaler(calendar, g, instances, host, scenario.slo, scenario.duration_s),
    );
  }

  /** Schedule the first decisions (none for a group whose min = max). */
  start(): void {
    for (const s of this.scalers) s.start();
  }

  arrived(r: RampRequest): void {
    if (r.warmup || !this.scalers.some((s) => s.ramping)) return;
    this.inRamp.add(r.id);
  }

  ended(r: RampRequest): void {
    for (const s of this.scalers) s.ended(r);
    if (!this.inRamp.delete(r.id)) return;
    this.rampMeasured++;
    if (r.status === 'completed' && this.meetsSlo(r)) this.rampMet++;
  }

  /** The run ends: ramps still open close, requests of ramps still in flight count as missing the SLO (unfinished). */
  close(t_s: number): void {
    for (const s of this.scalers) s.close(t_s);
    this.rampMeasured += this.inRamp.size;
    this.inRamp.clear();
  }

  /** SLO attainment of measured requests that arrived in a ramp; NaN without an SLO or such a request. */
  get rampAttainment(): number {
    return this.scenario.slo && this.rampMeasured > 0 ? this.rampMet / this.rampMeasured : NaN;
  }

  /** As the run's tally judges it (sim/metrics/run-tally.ts): each bound given, a one-token output has no TPOT. */
  private meetsSlo(r: EndedRequest): boolean {
    const slo = this.scenario.slo;
    if (!slo) return false;
    const ttft = r.firstToken_s - r.arrival_s;
    const tpot = r.outputTokens > 1 ? (r.completion_s - r.firstToken_s) / (r.outputTokens - 1) : NaN;
    return (
      (slo.ttft_s === undefined || ttft <= slo.ttft_s) &&
      (slo.tpot_s === undefined || Number.isNaN(tpot) || tpot <= slo.tpot_s)
    );
  }
}

/** On-time of the instances over the measured period, s: an always-on one the whole span. */
export function onTimes(instances: ReadonlyArray<{ on: { measured: number } | null }>, span_s: number): number[] {
  return instances.map((i) => (i.on ? i.on.measured : span_s));
}
