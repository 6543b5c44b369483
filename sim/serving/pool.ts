import type { Windows } from '../datacenter/index.js';
import { type Calendar, Fifo, TimeWeighted } from '../engine/index.js';
import type { PhaseServer, PoolStats, WorkSource } from './phase-server.js';
import type { Request } from './request.js';
import { type IndexedRouter, isIndexed, type Router } from './routers.js';

/**
 * The servers of one phase across the datacenter. With a router, each request is sent
 * to one server's queue; without one (`pool-fcfs`) requests wait in one shared queue.
 * A server that has no boundary ahead at which it would look at the queue, and may have
 * room, is *ready* (parked): a single-request server when idle, a decode batcher
 * whenever no step is running, though transfers to it may be in flight (their KV is
 * reserved, not the batch's). Work in the queue is offered to ready servers, the one
 * ready longest first; busy servers pull from the queue as they free up. c
 * single-request servers fed by Poisson arrivals are then M/G/c.
 */
export class Pool implements WorkSource, PoolStats {
  readonly shared = new Fifo<Request>();
  private readonly idle = new Fifo<PhaseServer>();
  readonly waiting: TimeWeighted;
  readonly inService: TimeWeighted;
  /** The routable servers that must hear of shared-queue changes (fast-forwarded ones). */
  private readonly watchers: readonly PhaseServer[];
  /** The routable servers whose instance is up: what a router chooses from. */
  private available: readonly PhaseServer[];
  /** The router again when it keeps an index over the servers' work, else null. */
  private readonly index: IndexedRouter | null;
  /** An offer is going round the ready servers (one taking may lead to another offer). */
  private offering = false;
  private offerAgain = false;

  constructor(
    readonly phase: 'prefill' | 'decode',
    private readonly calendar: Calendar,
    /** Every server of this phase (for tallies). */
    readonly servers: readonly PhaseServer[],
    /** The servers requests may be routed to (a mixed instance's decode is pinned, not routed). */
    readonly routable: readonly PhaseServer[],
    private readonly router: Router | null,
    w: Windows,
  ) {
    this.waiting = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
    this.inService = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
    for (const s of servers) s.stats = this;
    this.watchers = routable.filter((s) => s.watchesSharedQueue);
    // Instances an autoscaler starts off are not chosen until switched on.
    this.available = routable.every((s) => s.instance.accepting)
      ? routable
      : routable.filter((s) => s.instance.accepting);
    this.index = router && isIndexed(router) ? router : null;
    if (this.index) {
      this.index.track(this.available);
      for (const s of routable) s.workWatcher = this.index;
    }
    if (!router) {
      for (const s of routable) {
        s.source = this;
        if (s.instance.accepting) this.park(s);
      }
    }
  }

  submit(request: Request): void {
    if (this.router && this.available.length > 0) {
      this.router.choose(request, this.available).accept(request);
      return;
    }
    // pool-fcfs; or, with a router, every server is down: the pool holds the request.
    this.shared.push(request);
    this.waiting.add(this.calendar.now_s, 1);
    this.offer();
    if (this.shared.length === 0) return;
    // Not taken at once: busy servers take it at their next boundary (exact stepping
    // would look at every boundary, so runs of steps must stop at the next one).
    for (const s of this.watchers) s.sharedWorkWaiting();
  }

  peek(): Request | undefined {
    return this.shared.peek();
  }

  take(): Request | undefined {
    const next = this.shared.shift();
    if (next) {
      this.waiting.add(this.calendar.now_s, -1);
      // A new head may fit where the old one did not: let every server look again.
      if (this.shared.length > 0) {
        this.offer();
        for (const s of this.watchers) s.sharedWorkWaiting();
      }
    }
    return next;
  }

  /**
   * Wake ready servers, the one ready longest first, while the shared queue has work. A
   * ready server may lack room for the head (a decode batcher whose transfers in flight
   * hold KV reservations; a prefill batcher still holding prompts for their hand-off):
   * it takes nothing, goes back to the end of the line, and the next is tried, each at
   * most once per pass. A server taking work makes the pool offer again (a new head);
   * that offer joins the one in progress instead of re-entering it. With single-request
   * servers a ready server always takes the head, so the first one woken serves the
   * arrival and the queue is empty whenever a server is ready, as in M/M/c.
   */
  private offer(): void {
    if (this.offering) {
      this.offerAgain = true;
      return;
    }
    this.offering = true;
    do {
      this.offerAgain = false;
      for (let n = this.idle.length; n > 0 && this.shared.length > 0; n--) {
        const server = this.idle.shift() as PhaseServer;
        server.parked = false;
        server.kick();
      }
    } while (this.offerAgain && this.shared.length > 0);
    this.offering = false;
  }

  /**
   * A server's instance failed, or stopped taking work (an autoscaler drains or switches it off): route nothing to
   * it, and it no longer waits for work.
   */
  serverDown(server: PhaseServer): void {
    this.available = this.routable.filter((s) => !s.down && s.instance.accepting);
    this.index?.track(this.available);
    this.unpark(server);
  }

  /** Servers stopped taking work (an autoscaler drains them; they were unparked): route nothing to them. */
  serversChanged(): void {
    this.available = this.routable.filter((s) => !s.down && s.instance.accepting);
    this.index?.track(this.available);
  }

  /**
   * A server is back, repaired or switched on (it has looked for work already); requests held for want of one go
   * out.
   */
  serverUp(): void {
    this.available = this.routable.filter((s) => !s.down && s.instance.accepting);
    this.index?.track(this.available);
    const router = this.router;
    if (!router || this.available.length === 0) return;
    for (let r = this.shared.shift(); r; r = this.shared.shift()) {
      this.waiting.add(this.calendar.now_s, -1);
      router.choose(r, this.available).accept(r);
    }
  }

  /** Take back a request waiting in the shared queue; false if it is not there. */
  withdraw(r: Request): boolean {
    if (!this.shared.remove(r)) return false;
    this.waiting.add(this.calendar.now_s, -1);
    return true;
  }

  park(server: PhaseServer): void {
    server.parked = true;
    this.idle.push(server);
  }

  unpark(server: PhaseServer): void {
    if (!server.parked) return;
    this.idle.remove(server);
    server.parked = false;
  }

  close(t_s: number): void {
    this.waiting.close(t_s);
    this.inService.close(t_s);
    for (const s of this.servers) s.busy.close(t_s);
  }
}
