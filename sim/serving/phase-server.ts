import type { Instance } from '../datacenter/index.js';
import { type Calendar, Fifo, TimeWeighted } from '../engine/index.js';
import type { Request } from './request.js';

export type Phase = 'prefill' | 'decode';

/** What routers read of a server: a snapshot a real load balancer could have. */
export interface RoutingTarget {
  /** Requests queued at or in service on this server. */
  readonly inSystem: number;
  /** Prompt tokens of the requests queued at or in service on this server. */
  readonly outstandingTokens: number;
}

/** Time-weighted tallies of a pool: requests waiting (shared and local queues) and in service. */
export interface PoolStats {
  readonly waiting: TimeWeighted;
  readonly inService: TimeWeighted;
}

/** Where a server takes its next request from when its own queue is empty. */
export interface WorkSource {
  take(server: QueueingServer): Request | undefined;
}

/**
 * One phase of one instance in queueing mode: serves one request at a time, for a
 * service time drawn from the scenario's distribution, first come first served.
 */
export class QueueingServer implements RoutingTarget {
  readonly local = new Fifo<Request>();
  current: Request | null = null;
  outstandingTokens = 0;
  /** Busy time inside the measurement interval, for the pool's utilisation. */
  readonly busy: TimeWeighted;
  /** The pool-level tallies this server contributes to. */
  stats: PoolStats | null = null;

  constructor(
    private readonly calendar: Calendar,
    readonly instance: Instance,
    readonly phase: Phase,
    private readonly drawService_s: () => number,
    private readonly onServed: (request: Request, server: QueueingServer) => void,
    measure: { window_s: number; measureFrom_s: number; measureTo_s: number },
    /** The shared queue it pulls from when idle (pool-fcfs), if any. */
    public source: WorkSource | null = null,
  ) {
    this.busy = new TimeWeighted(measure.window_s, measure.measureFrom_s, measure.measureTo_s);
  }

  get inSystem(): number {
    return this.local.length + (this.current ? 1 : 0);
  }

  /** Queue a request routed to this server; start it if the server is idle. */
  accept(request: Request): void {
    const now = this.calendar.now_s;
    this.outstandingTokens += request.promptTokens;
    if (this.current) {
      this.local.push(request);
      this.instance.queued.add(now, 1);
      this.stats?.waiting.add(now, 1);
    } else {
      this.start(request, now);
    }
  }

  /** Start a request taken from a shared queue (the server must be idle). */
  startShared(request: Request): void {
    this.outstandingTokens += request.promptTokens;
    this.start(request, this.calendar.now_s);
  }

  private start(request: Request, now: number): void {
    this.current = request;
    this.instance.changeInService(now, 1);
    this.stats?.inService.add(now, 1);
    this.busy.set(now, 1);
    if (this.phase === 'prefill') {
      request.stage = 'prefill';
      request.prefillStart_s = now;
      request.prefillInstance = this.instance;
    } else {
      request.stage = 'decode';
      request.decodeStart_s = now;
      request.decodeInstance = this.instance;
    }
    this.calendar.schedule(this.drawService_s(), finish, this);
  }

  /** Called when the current service ends. */
  finishCurrent(): void {
    const now = this.calendar.now_s;
    const done = this.current as Request;
    this.current = null;
    this.outstandingTokens -= done.promptTokens;
    this.instance.changeInService(now, -1);
    this.stats?.inService.add(now, -1);
    this.busy.set(now, 0);
    this.onServed(done, this);
    const next = this.local.shift();
    if (next) {
      this.instance.queued.add(now, -1);
      this.stats?.waiting.add(now, -1);
      this.start(next, now);
      return;
    }
    const shared = this.source?.take(this);
    if (shared) this.startShared(shared);
  }
}

function finish(server: QueueingServer): void {
  server.finishCurrent();
}
