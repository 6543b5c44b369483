import { type Calendar, Fifo, TimeWeighted } from '../engine/index.js';
import type { Windows } from '../datacenter/index.js';
import type { PoolStats, QueueingServer, WorkSource } from './phase-server.js';
import type { Request } from './request.js';
import type { Router } from './routers.js';

/**
 * The servers of one phase across the datacenter. With a router, each request is sent
 * to one server's queue; without one (`pool-fcfs`) requests wait in one shared queue
 * and the server idle longest takes the next: c servers fed by Poisson arrivals are
 * then exactly M/G/c.
 */
export class Pool implements WorkSource, PoolStats {
  readonly shared = new Fifo<Request>();
  private readonly idle = new Fifo<QueueingServer>();
  readonly waiting: TimeWeighted;
  readonly inService: TimeWeighted;

  constructor(
    readonly phase: 'prefill' | 'decode',
    private readonly calendar: Calendar,
    /** Every server of this phase (for tallies). */
    readonly servers: readonly QueueingServer[],
    /** The servers requests may be routed to (a mixed instance's decode is pinned, not routed). */
    readonly routable: readonly QueueingServer[],
    private readonly router: Router | null,
    w: Windows,
  ) {
    this.waiting = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
    this.inService = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
    for (const s of servers) s.stats = this;
    if (!router) {
      for (const s of routable) {
        s.source = this;
        this.idle.push(s);
      }
    }
  }

  submit(request: Request): void {
    if (this.router) {
      this.router.choose(request, this.routable).accept(request);
      return;
    }
    const server = this.idle.shift();
    if (server) server.startShared(request);
    else {
      this.shared.push(request);
      this.waiting.add(this.calendar.now_s, 1);
    }
  }

  /** A server of this pool went idle: hand it the oldest shared request, or park it. */
  take(server: QueueingServer): Request | undefined {
    const next = this.shared.shift();
    if (next) this.waiting.add(this.calendar.now_s, -1);
    else this.idle.push(server);
    return next;
  }

  close(t_s: number): void {
    this.waiting.close(t_s);
    this.inService.close(t_s);
    for (const s of this.servers) s.busy.close(t_s);
  }
}
