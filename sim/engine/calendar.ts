import { simjs, type HeapEntry, type SimjsSim } from './simjs.js';
import { InvariantError } from './invariant.js';

/** A scheduled event that can still be withdrawn. */
export interface Timer {
  cancel(): void;
}

/**
 * The event calendar: schedule, now, run until a horizon. Events fire in time order;
 * simultaneous events by their `priority` (a number, lower first), then in the order
 * they were scheduled. Which priority an event gets is its caller's rule (the
 * model's is `EventOrder` in event-order.ts); the calendar only makes every run
 * deterministic and the rule explicit.
 *
 * Events carry an object argument rather than a closure so that the hot path does not
 * allocate one function per event.
 */
export class Calendar {
  private readonly sim: SimjsSim;
  private events = 0;

  constructor() {
    this.sim = new simjs.Sim();
    const queue = this.sim.queue;
    // simjs's heap compares (time, insertion order) in its `greater` method, which
    // insert and remove call through `this`: an own property replaces it for this
    // heap only. If a simjs upgrade renamed it, priorities would be silently ignored.
    if (typeof queue.greater !== 'function') {
      throw new InvariantError('simjs heap has no greater(a, b) comparison; is simjs@2.0.3 installed?');
    }
    queue.greater = firesAfter;
  }

  get now_s(): number {
    return this.sim.simTime;
  }

  /** Events delivered so far (cancelled ones excluded). */
  get eventsFired(): number {
    return this.events;
  }

  /** Events waiting in the calendar, including cancelled ones not yet skipped. */
  get pending(): number {
    return this.sim.queue.data.length;
  }

  /**
   * Fire `handler(arg)` after `delay_s`; among events at the same instant, those with a
   * lower `priority` first.
   */
  schedule<T extends object>(delay_s: number, handler: (arg: T) => void, arg: T, priority: number): Timer {
    if (!(delay_s >= 0) || !Number.isFinite(delay_s)) {
      throw new InvariantError(`event scheduled in the past or at no time: delay ${delay_s} s at t=${this.now_s}`);
    }
    return this.insert(this.sim.simTime + delay_s, handler as (a: object) => void, arg, priority);
  }

  /** Fire `handler(arg)` at absolute time `t_s` (exactly: no now + delay rounding). */
  scheduleAt<T extends object>(t_s: number, handler: (arg: T) => void, arg: T, priority: number): Timer {
    const now = this.sim.simTime;
    if (!(t_s >= now) || !Number.isFinite(t_s)) {
      throw new InvariantError(`event scheduled in the past or at no time: t=${t_s} s at t=${now}`);
    }
    return this.insert(t_s, handler as (a: object) => void, arg, priority);
  }

  private insert(t_s: number, handler: (a: object) => void, arg: object, priority: number): Timer {
    // A NaN priority would make the heap's order inconsistent (every comparison false).
    if (!Number.isFinite(priority)) throw new InvariantError(`event priority must be a finite number, got ${priority}`);
    const ev = new CalendarEvent(t_s, priority, handler, arg);
    this.sim.queue.insert(ev);
    return ev;
  }

  /** Time of the next live event, or Infinity when none is left. */
  nextTime(): number {
    const heap = this.sim.queue.data;
    while (heap.length > 0) {
      const top = heap[0] as HeapEntry;
      if (!top.cancelled) return top.deliverAt;
      this.sim.queue.remove();
    }
    return Infinity;
  }

  /**
   * Deliver every event due at or before `horizon_s`, at most `maxEvents` of them.
   * Unlike simjs's `simulate(end)`, the first event past the horizon stays queued and
   * the clock stops at the last delivered event; the caller decides whether to advance
   * it (`advanceTo`). Returns true when it stopped because nothing is left before the
   * horizon.
   */
  run(horizon_s: number, maxEvents = Infinity): boolean {
    let n = 0;
    let drained = false;
    while (n < maxEvents) {
      const next = this.nextTime();
      if (next > horizon_s || next === Infinity) {
        drained = true;
        break;
      }
      this.sim.step();
      n++;
    }
    this.events += n;
    return drained;
  }

  /** Move the clock forward with no event (to close time averages at a horizon). */
  advanceTo(t_s: number): void {
    if (t_s < this.sim.simTime) {
      throw new InvariantError(`clock cannot go back from ${this.sim.simTime} to ${t_s}`);
    }
    this.sim.simTime = t_s;
  }
}

/**
 * The heap's order: time, then priority, then the insertion `order` simjs stamps (FIFO
 * among simultaneous events of one priority). One more comparison than simjs's own,
 * only on time ties; no allocation.
 */
function firesAfter(a: HeapEntry, b: HeapEntry): boolean {
  if (a.deliverAt !== b.deliverAt) return a.deliverAt > b.deliverAt;
  if (a.priority !== b.priority) return a.priority > b.priority;
  return a.order > b.order;
}

/**
 * What we put in simjs's event heap. The heap orders entries by `firesAfter`, skips
 * those `cancelled`, and calls `deliver()`: that is all simjs's `Request` is used for there.
 * One small object per event instead of a Request (a dozen fields) and a callback
 * array: allocation per event dominated the garbage collector's work.
 */
class CalendarEvent implements Timer, HeapEntry {
  order = 0;
  cancelled = false;

  constructor(
    readonly deliverAt: number,
    readonly priority: number,
    private readonly handler: (arg: object) => void,
    private readonly arg: object,
  ) {}

  deliver(): void {
    this.handler(this.arg);
  }

  cancel(): void {
    this.cancelled = true;
  }
}
