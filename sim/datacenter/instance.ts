import { TimeWeighted } from '../engine/index.js';
import type { InstanceSpec } from '../scenario/resolved.js';

/** Recording windows and the interval summaries measure over. */
export interface Windows {
  window_s: number;
  measureFrom_s: number;
  measureTo_s: number;
}

/**
 * A serving instance in a rack: its identity and the time-weighted state the node
 * table reports. The serving logic (phase servers) drives it; it knows no policy.
 */
export class Instance {
  /** 1 while at least one request is in service on any phase, else 0. */
  readonly busy: TimeWeighted;
  /** Requests waiting in this instance's own queues (not in a pool's shared queue). */
  readonly queued: TimeWeighted;
  /** Requests in service, over all phases (the batch size). */
  readonly inService: TimeWeighted;
  /** Fraction of KV capacity in use; null for queueing-mode instances (no KV model). */
  readonly kvUsed: TimeWeighted | null;
  private readonly kvCapacityTokens: number;

  constructor(
    readonly spec: InstanceSpec,
    w: Windows,
    kvCapacityTokens?: number,
  ) {
    this.kvCapacityTokens = kvCapacityTokens ?? 0;
    this.kvUsed = kvCapacityTokens ? new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s) : null;
    this.busy = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
    this.queued = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
    this.inService = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
  }

  get index(): number {
    return this.spec.index;
  }

  get name(): string {
    return this.spec.name;
  }

  changeInService(t_s: number, delta: number): void {
    this.inService.add(t_s, delta);
    this.busy.set(t_s, this.inService.current > 0 ? 1 : 0);
  }

  setKvUsed(t_s: number, tokens: number): void {
    this.kvUsed?.set(t_s, tokens / this.kvCapacityTokens);
  }

  close(t_s: number): void {
    this.kvUsed?.close(t_s);
    this.busy.close(t_s);
    this.queued.close(t_s);
    this.inService.close(t_s);
  }
}
