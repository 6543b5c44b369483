import type { Instance, Windows } from '../datacenter/index.js';
import { type Calendar, Fifo, type Timer, TimeWeighted } from '../engine/index.js';
import { EventOrder } from '../engine/event-order.js';
import type { Request } from './request.js';
import { startDecode, startPrefill } from './request-life.js';
import type { WorkMeter } from '../metrics/work-meter.js';

export type Phase = 'prefill' | 'decode';

/** What routers read of a server: a snapshot a real load balancer could have. */
export interface RoutingTarget {
  /** Where it is (its rack, for path-aware choices). */
  readonly instance: Instance;
  /** Requests queued at or in service on this server. */
  readonly inSystem: number;
  /** Prompt tokens of the requests queued at or in service on this server: the work a
   * load balancer has assigned it (it is not told each generated token). */
  readonly outstandingTokens: number;
  /** Leading full blocks of a prompt its prefix cache holds (0 without a cache). */
  prefixMatch?(blockIds: readonly number[], promptTokens: number): number;
}

/** A router that keeps an index over its servers' work hears of every change. */
export interface WorkWatcher {
  workChanged(server: RoutingTarget): void;
}

/** Time-weighted tallies of a pool: requests waiting (shared and local queues) and in service. */
export interface PoolStats {
  readonly waiting: TimeWeighted;
  readonly inService: TimeWeighted;
}

/** A pool's shared queue (`pool-fcfs`), from which ready servers pull. */
export interface WorkSource {
  peek(): Request | undefined;
  take(): Request | undefined;
  /** The server is ready for work and has no boundary ahead to look for it: wake it when work arrives. */
  park(server: PhaseServer): void;
  /** The server looks at the queue on its own again (it took work, or started a run). */
  unpark(server: PhaseServer): void;
}

/** What a server tells the request's life when it is done with a request. */
export interface PhaseEvents {
  served(request: Request, server: PhaseServer): void;
  rejected(request: Request, reason: string): void;
}

/**
 * One phase of one instance. Subclasses decide how work is batched and how long it
 * takes; this base keeps the queue, the routing snapshot and the tallies.
 */
export abstract class PhaseServer implements RoutingTarget {
  readonly local = new Fifo<Request>();
  /** Prompt tokens of the requests queued or in service (change it with addWork). */
  private outstanding = 0;
  workWatcher: WorkWatcher | null = null;
  /** Busy time (≥ 1 request in service), per window and inside the measurement interval. */
  readonly busy: TimeWeighted;
  stats: PoolStats | null = null;
  source: WorkSource | null = null;
  parked = false;
  /** Its instance has failed: it takes no work until repaired. */
  down = false;
  /** FLOPs and bytes of this phase's passes (pool MFU, MBU); null in queueing mode. */
  work: WorkMeter | null = null;

  constructor(
    protected readonly calendar: Calendar,
    readonly instance: Instance,
    readonly phase: Phase,
    protected readonly events: PhaseEvents,
    windows: Windows,
  ) {
    this.busy = new TimeWeighted(windows.window_s, windows.measureFrom_s, windows.measureTo_s);
  }

  /** Requests in service now (the batch). */
  abstract get inService(): number;

  /** Leading full blocks of a prompt its prefix cache holds: none by default (no cache). */
  prefixMatch(_blockIds: readonly number[], _promptTokens: number): number {
    return 0;
  }
  /** Start work if there is room; called when work may have arrived. */
  abstract kick(): void;
  /** Requests in service or held by this server beyond its queue. */
  protected abstract held(): Iterable<Request>;
  /**
   * The instance failed: cancel pending work, zero the tallies of what is in service
   * and return those requests (the queue is emptied by `fail`).
   */
  protected abstract evacuate(now: number): Request[];

  get inSystem(): number {
    return this.local.length + this.inService;
  }

  get outstandingTokens(): number {
    return this.outstanding;
  }

  /** Work assigned (+) or done (−), in prompt tokens. */
  protected addWork(tokens: number): void {
    this.outstanding += tokens;
    this.workWatcher?.workChanged(this);
  }

  /** Servers that run many steps as one event must hear when the shared queue changes. */
  get watchesSharedQueue(): boolean {
    return false;
  }

  /** The pool's shared queue got work while this server was busy. */
  sharedWorkWaiting(): void {}

  /** Queue a request routed to this server and start it if there is room. */
  accept(request: Request): void {
    const now = this.calendar.now_s;
    this.addWork(request.promptTokens);
    this.local.push(request);
    this.instance.queued.add(now, 1);
    this.stats?.waiting.add(now, 1);
    this.kick();
  }

  /**
   * Its instance fails: every request it holds or queues is given back (in service
   * first), and it takes nothing until `repair`.
   */
  fail(now: number): Request[] {
    this.down = true;
    const lost = this.evacuate(now);
    for (let r = this.local.shift(); r; r = this.local.shift()) {
      this.instance.queued.add(now, -1);
      this.stats?.waiting.add(now, -1);
      lost.push(r);
    }
    this.addWork(-this.outstanding);
    return lost;
  }

  /** Its instance is back: look for work. */
  repair(): void {
    this.down = false;
    this.kick();
  }

  /** Take back a request queued here (its KV was lost elsewhere); false if it is not here. */
  withdraw(r: Request): boolean {
    if (!this.local.remove(r)) return false;
    const now = this.calendar.now_s;
    this.instance.queued.add(now, -1);
    this.stats?.waiting.add(now, -1);
    this.addWork(-r.promptTokens);
    return true;
  }

  /** Every request this server holds, queued or in service. */
  *inFlight(): IterableIterator<Request> {
    yield* this.held();
    yield* this.local;
  }

  /** The next waiting request without taking it: own queue first, then the pool's. */
  protected peekWaiting(): Request | undefined {
    // An instance switched off or draining takes nothing from the shared queue (and so
    // grants no new hand-off); what is already queued at it was moved away when it stopped.
    return this.local.peek() ?? (this.instance.accepting ? this.source?.peek() : undefined);
  }

  /** Take the request `peekWaiting` showed. */
  protected takeWaiting(now: number): Request | undefined {
    const own = this.local.shift();
    if (own) {
      this.instance.queued.add(now, -1);
      this.stats?.waiting.add(now, -1);
      return own;
    }
    // Taking on its own initiative, it is not waiting to be woken: leaving the ready
    // line first keeps the pool's offer of the next head from re-entering this server.
    this.unpark();
    if (!this.instance.accepting) return undefined;
    const shared = this.source?.take();
    if (shared) this.addWork(shared.promptTokens);
    return shared;
  }

  /** Reject a waiting request this server has just taken. */
  protected reject(request: Request, reason: string): void {
    this.addWork(-request.promptTokens);
    this.events.rejected(request, reason);
  }

  protected changeInService(now: number, delta: number): void {
    this.instance.changeInService(now, delta);
    this.stats?.inService.add(now, delta);
    this.busy.set(now, this.inService > 0 ? 1 : 0);
  }

  /** Ready for work and nothing will make it look: with a shared queue, wait to be woken. */
  protected goIdle(): void {
    if (this.source && !this.parked && this.instance.accepting) {
      this.parked = true;
      this.source.park(this);
    }
  }

  /** It will look at the shared queue by itself (at its next boundary): no wake needed. */
  protected unpark(): void {
    if (this.parked) this.source?.unpark(this);
  }
}

/** Tokens of KV a request carries: its prompt and what decode has generated so far. */
export function contextTokens(r: Request): number {
  return r.promptTokens + r.decodedTokens;
}

/**
 * Queueing mode: one request at a time, for a service time drawn from the scenario's
 * distribution, first come first served.
 */
export class QueueingServer extends PhaseServer {
  current: Request | null = null;
  private timer: Timer | null = null;

  constructor(
    calendar: Calendar,
    instance: Instance,
    phase: Phase,
    events: PhaseEvents,
    windows: Windows,
    private readonly drawService_s: () => number,
  ) {
    super(calendar, instance, phase, events, windows);
  }

  get inService(): number {
    return this.current ? 1 : 0;
  }

  protected *held(): Iterable<Request> {
    if (this.current) yield this.current;
  }

  kick(): void {
    if (this.current || this.down) return;
    const now = this.calendar.now_s;
    const next = this.takeWaiting(now);
    if (!next) {
      this.goIdle();
      return;
    }
    this.current = next;
    markStarted(next, this, now);
    this.changeInService(now, 1);
    this.timer = this.calendar.schedule(this.drawService_s(), finishQueueing, this, EventOrder.completion);
  }

  protected evacuate(now: number): Request[] {
    const r = this.current;
    if (!r) return [];
    this.timer?.cancel();
    this.current = null;
    this.changeInService(now, -1);
    return [r];
  }

  finish(): void {
    const now = this.calendar.now_s;
    const done = this.current as Request;
    this.current = null;
    this.timer = null;
    this.addWork(-done.promptTokens);
    this.changeInService(now, -1);
    this.events.served(done, this);
    this.kick();
  }
}

function finishQueueing(server: QueueingServer): void {
  server.finish();
}

/** Stamp the start of a phase on a request (first start only, for decode). */
export function markStarted(r: Request, server: PhaseServer, now: number): void {
  if (server.phase === 'prefill') startPrefill(r, server.instance, now);
  else startDecode(r, server.instance, now);
}
