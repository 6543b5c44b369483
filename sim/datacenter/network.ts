import { type Calendar, invariant, InvariantError, removeItem, type Timer, TimeWeighted } from '../engine/index.js';
import type { Windows } from './instance.js';
// The serving layer's rule for simultaneous events (a constant table; no cycle at load).
import { EventOrder } from '../engine/event-order.js';

/** A directed network link shared by the flows that cross it. */
export class Link {
  /** Flows now crossing this link, in the order they joined (an array: a handful of
   * flows, iterated on every join and departure). */
  readonly flows: Flow[] = [];
  /** Scratch state of the max-min computation (capacity left, unfrozen flows). */
  left = 0;
  unfrozen = 0;
  /** The reallocation that last marked it for a rate update. */
  touchedIn = 0;
  /** Scratch of a flow's join: Σ rates before it. */
  sum = 0;
  /** Scratch of max-min: Σ of its flows' path ceilings (what they could ever ask of it). */
  demand_Bps = 0;
  /** The reallocation that last reached it while gathering the flows to recompute. */
  seenIn = 0;
  /** Σ rates of its flows, B/s (its area over time is the bytes carried). */
  readonly rate: TimeWeighted;
  readonly flowCount: TimeWeighted;
  /** Outages in progress (overlapping ones count); a link that is down carries nothing. */
  outages = 0;

  constructor(
    readonly name: string,
    readonly capacity_Bps: number,
    w: Windows,
  ) {
    this.rate = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
    this.flowCount = new TimeWeighted(w.window_s, w.measureFrom_s, w.measureTo_s);
  }

  /** Capacity now: none while down. */
  get available_Bps(): number {
    return this.outages > 0 ? 0 : this.capacity_Bps;
  }

  /** Σ rates of the flows on it now, summed in the order they joined (so every caller gets the same bits). */
  get load_Bps(): number {
    let sum = 0;
    for (const f of this.flows) sum += f.rate_Bps;
    return sum;
  }

  close(t_s: number): void {
    this.rate.close(t_s);
    this.flowCount.close(t_s);
  }
}

/** Who is told when a transfer's bytes have arrived (an object, not a closure per transfer). */
export interface FlowReceiver {
  delivered(flow: Flow): void;
}

/** One transfer of bytes along a path of links. */
export class Flow {
  rate_Bps = 0;
  updated_s: number;
  /** Its completion while it moves bytes, then its delivery after the path's latency. */
  timer: Timer | null = null;
  /** Crossing its links (not yet finished, not aborted). */
  moving = false;
  /** It has stood still behind a failed link at some point. */
  stalled = false;
  /** Scratch of the max-min computation: the rate it gets, the round that fixed it, and
   * the least capacity on its path (no rate can exceed it). */
  nextRate = 0;
  fixedIn = 0;
  ceiling_Bps = 0;
  /** Scratch of a reallocation: the round its ceiling was computed in, and the round
   * that gathered it for recomputation. */
  ceilingIn = 0;
  gatheredIn = 0;
  /** The least nominal capacity on its path: its rate never exceeds it, up or down. */
  readonly bound_Bps: number;

  constructor(
    readonly path: readonly Link[],
    public remaining_bytes: number,
    readonly latency_s: number,
    readonly receiver: FlowReceiver,
    /** What the transfer carries, for the receiver (a request's KV). */
    readonly payload: unknown,
    now_s: number,
    private readonly network: Network,
  ) {
    this.updated_s = now_s;
    let bound = Infinity;
    for (const l of path) if (l.capacity_Bps < bound) bound = l.capacity_Bps;
    this.bound_Bps = bound;
  }

  /** Stop it: it is never delivered. */
  abort(): void {
    this.network.abort(this);
  }
}

/** Room below this fraction of a link's capacity counts as none (rates come from float arithmetic). */
const SLACK = 1e-9;

/**
 * Transfers that share links with max-min fairness, exactly: whenever a flow starts or
 * ends, every flow's progress is brought up to date, the rates are recomputed by
 * progressive filling (Bertsekas & Gallager, Data Networks §6.5.2) and each flow whose
 * rate changed has its completion rescheduled. A transfer of b bytes is delivered
 * (when its last byte has crossed at the rates it got) + the path's latency.
 *
 * Two shortcuts skip the recomputation when it cannot change any other flow's rate
 * (max-min allocations are unique, so they give the allocation it would give): a flow
 * joins a path where no link is saturated and takes the least room left on it, when no
 * flow on that link has more; a flow leaves links where it was alone or that were not
 * saturated (no flow is bottlenecked on a link with room). A hand-off between two
 * otherwise idle NICs across a roomy spine — the usual case — touches only its path.
 *
 * When the recomputation is needed, it covers only the flows whose rates can change:
 * those reached from the links that changed through links that may bind — saturated
 * under the old rates (a bottleneck before) or able to saturate now (a bottleneck
 * after; see `maxMinRates`). A link that is neither constrains no one before or after,
 * so the flows beyond it keep their max-min rates.
 */
export class Network {
  /** Moving flows, in the order they started. */
  private readonly active: Flow[] = [];
  /** Completion events fire with the flow as argument. */
  private readonly finish = (f: Flow) => this.finished(f);
  private readonly deliver = (f: Flow) => {
    f.timer = null;
    f.receiver.delivered(f);
  };

  private round = 0;
  private readonly scratch = new LinkList();
  private readonly touched = new LinkList();
  private readonly frontier = new LinkList();
  /** The flows gathered for a recomputation, in the order they started (cleared after). */
  private readonly gathered: Flow[] = [];

  constructor(
    private readonly calendar: Calendar,
    /** The shortcuts above; off only to test them against the full computation. */
    private readonly shortcuts = true,
  ) {}

  get activeFlows(): number {
    return this.active.length;
  }

  /** Send `bytes` along `path` (links of finite capacity), then wait `latency_s`. */
  transfer(
    path: readonly Link[],
    bytes: number,
    latency_s: number,
    receiver: FlowReceiver,
    payload: unknown = null,
  ): Flow {
    const now = this.calendar.now_s;
    const flow = new Flow(path, bytes, latency_s, receiver, payload, now, this);
    if (bytes <= 0 || path.length === 0) {
      // Nothing to share: only the path's latency.
      flow.timer = this.calendar.schedule(latency_s, this.deliver, flow, EventOrder.completion);
      return flow;
    }
    this.active.push(flow);
    flow.moving = true;
    for (const link of path) {
      link.flows.push(flow);
      link.flowCount.add(now, 1);
    }
    if (this.shortcuts && this.join(flow, now)) return flow;
    this.advance(now);
    this.reallocate(now, path, flow);
    return flow;
  }

  /**
   * The joining flow's max-min rate when no other flow's rate changes: every link on its
   * path has room (none is saturated, so none is anyone's bottleneck), and on a link
   * with the least room r no flow runs faster than r (r is then its fair share there).
   * False when that does not hold: the caller recomputes everything.
   */
  private join(flow: Flow, now: number): boolean {
    let r = Infinity;
    for (const l of flow.path) {
      const sum = l.load_Bps;
      const room = l.available_Bps - sum;
      if (!(room > SLACK * l.capacity_Bps)) return false;
      l.left = room;
      l.sum = sum;
      if (room < r) r = room;
    }
    let fair = false;
    for (const l of flow.path) {
      if (l.left !== r) continue;
      fair = true;
      for (const g of l.flows) {
        if (g.rate_Bps > r) {
          fair = false;
          break;
        }
      }
      if (fair) break;
    }
    if (!fair) return false;
    flow.rate_Bps = r;
    flow.timer = this.calendar.schedule(flow.remaining_bytes / r, this.finish, flow, EventOrder.completion);
    for (const l of flow.path) l.rate.set(now, l.sum + r);
    return true;
  }

  /** A leaving flow changes no other rate when each of its links is left empty or was not saturated. */
  private leavesOthersAlone(flow: Flow): boolean {
    for (const l of flow.path) {
      if (l.flows.length === 1) continue;
      if (!(l.load_Bps < (1 - SLACK) * l.available_Bps)) return false;
    }
    return true;
  }

  /** A flow stops moving (finished or aborted), and the others' rates follow. */
  private depart(flow: Flow, now: number): void {
    if (this.shortcuts && this.leavesOthersAlone(flow)) {
      this.leave(flow, now);
      for (const l of flow.path) l.rate.set(now, l.load_Bps);
      return;
    }
    this.advance(now);
    const rate = flow.rate_Bps;
    this.leave(flow, now);
    this.reallocate(now, flow.path, null, rate);
  }

  /** Stop a transfer (its sender or receiver failed): it is never delivered. */
  abort(flow: Flow): void {
    flow.timer?.cancel();
    flow.timer = null;
    if (!flow.moving) return;
    this.depart(flow, this.calendar.now_s);
  }

  /**
   * A link fails (`down`) or is repaired. Flows crossing a failed link stall (rate 0)
   * and resume where they stopped when it is back: there is no other path in a two-tier
   * datacenter, and the KV stays with its sender meanwhile.
   */
  setDown(link: Link, down: boolean): void {
    const now = this.calendar.now_s;
    this.advance(now);
    link.outages += down ? 1 : -1;
    invariant(link.outages >= 0, () => `link ${link.name} repaired more often than it failed`);
    // Its capacity changed: every flow on it is recomputed, whatever its load.
    this.reallocate(now, [link], null, 0, true);
  }

  private leave(flow: Flow, now: number): void {
    flow.moving = false;
    if (!removeItem(this.active, flow)) throw new InvariantError('a flow stopped that was not moving');
    for (const link of flow.path) {
      if (!removeItem(link.flows, flow)) throw new InvariantError(`a flow left link ${link.name}, which it was not on`);
      link.flowCount.add(now, -1);
    }
    flow.rate_Bps = 0;
  }

  /** Bring every active flow's remaining bytes up to `now` at its current rate. */
  private advance(now: number): void {
    for (const f of this.active) {
      f.remaining_bytes -= f.rate_Bps * (now - f.updated_s);
      f.updated_s = now;
    }
  }

  private finished(flow: Flow): void {
    const now = this.calendar.now_s;
    flow.remaining_bytes -= flow.rate_Bps * (now - flow.updated_s);
    flow.updated_s = now;
    // Hot paths check invariants inline: a message closure per call would allocate.
    if (!(flow.remaining_bytes <= 1e-6 * (1 + flow.rate_Bps)))
      throw new InvariantError(`flow finished with ${flow.remaining_bytes} bytes left`);
    flow.remaining_bytes = 0;
    this.depart(flow, now);
    flow.timer = this.calendar.schedule(flow.latency_s, this.deliver, flow, EventOrder.completion);
  }

  /**
   * Max-min fair rates by progressive filling over the flows that a change on the
   * `changed` links can affect (a flow `joined`, one at `departedRate` left, or their
   * capacity changed: `force`), then reschedule those whose rate changed and bring the
   * rate tallies of the links whose load changed (those, and the changed ones) up to date.
   */
  private reallocate(
    now: number,
    changed: readonly Link[],
    joined: Flow | null = null,
    departedRate = 0,
    force = false,
  ): void {
    // Runs on every flow start and end: scratch arrays and round marks, no per-call maps.
    const round = ++this.round;
    let flows: readonly Flow[] = this.active;
    let n = flows.length;
    if (this.shortcuts) {
      n = this.gather(changed, round, joined, departedRate, force);
      if (n < this.active.length) flows = this.gathered;
    }
    maxMinRates(flows, round, this.scratch, n);
    const touched = this.touched;
    touched.count = 0;
    for (const link of changed) touch(link, round, touched);
    for (let i = 0; i < n; i++) {
      const f = flows[i] as Flow;
      const rate = f.nextRate;
      // Rate 0 only behind a failed link (a new flow may start stalled).
      if (rate === 0) f.stalled = true;
      if (rate === f.rate_Bps && (f.timer || rate === 0)) continue;
      f.rate_Bps = rate;
      for (const link of f.path) touch(link, round, touched);
      f.timer?.cancel();
      // A flow stalled behind a failed link finishes only once it moves again.
      f.timer =
        rate > 0
          ? this.calendar.schedule(Math.max(0, f.remaining_bytes) / rate, this.finish, f, EventOrder.completion)
          : null;
    }
    for (let i = 0; i < touched.count; i++) {
      const link = touched.items[i] as Link;
      const sum = link.load_Bps;
      if (!(sum <= link.capacity_Bps * (1 + 1e-9)))
        throw new InvariantError(`link ${link.name} over capacity: ${sum} > ${link.capacity_Bps} B/s`);
      link.rate.set(now, sum);
    }
    // Let go of finished flows (and the requests they carry).
    if (flows === this.gathered) for (let i = 0; i < n; i++) this.gathered[i] = undefined as unknown as Flow;
  }

  /**
   * Gather the flows whose rates may change: the joining flow, then, link by link
   * outward from the changed links, every flow on a link that may bind (counting a
   * departed flow's rate on the links it left, as it was before). Returns how many;
   * they are in `gathered` in the order they started (the order the full computation
   * visits them, so ties fall the same way).
   */
  private gather(
    changed: readonly Link[],
    round: number,
    joined: Flow | null,
    departedRate: number,
    force: boolean,
  ): number {
    const frontier = this.frontier;
    frontier.count = 0;
    for (const l of changed) reach(l, round, frontier);
    const seeds = frontier.count;
    let members = 0;
    if (joined) {
      joined.gatheredIn = round;
      members++;
    }
    for (let i = 0; i < frontier.count; i++) {
      const l = frontier.items[i] as Link;
      if (!(i < seeds ? force || mayBind(l, round, departedRate) : mayBind(l, round, 0))) continue;
      for (const g of l.flows) {
        if (g.gatheredIn === round) continue;
        g.gatheredIn = round;
        members++;
        for (const m of g.path) reach(m, round, frontier);
      }
    }
    if (members === this.active.length) return members;
    let k = 0;
    for (const f of this.active) if (f.gatheredIn === round) this.gathered[k++] = f;
    return k;
  }
}

function reach(link: Link, round: number, frontier: LinkList): void {
  if (link.seenIn === round) return;
  link.seenIn = round;
  frontier.add(link);
}

/**
 * A link may bind a flow when it was saturated under the rates before the change (it
 * may have been a bottleneck: `departedRate` is the rate of a flow that has just left
 * it) or can saturate now (its flows' ceilings sum to its capacity or more). Margins as
 * in the shortcuts: including a link is always safe.
 */
function mayBind(link: Link, round: number, departedRate: number): boolean {
  const capacity = link.available_Bps;
  if (!(departedRate + link.load_Bps < (1 - SLACK) * capacity)) return true;
  // Nominal bounds first: a roomy link (the spine) is told apart without each flow's path.
  let bounds = 0;
  for (const g of link.flows) bounds += g.bound_Bps;
  if (capacity > bounds * (1 + 1e-9)) return false;
  let demand = 0;
  for (const g of link.flows) demand += ceilingOf(g, round);
  return !(capacity > demand * (1 + 1e-9));
}

/** The least capacity on a flow's path: no rate can exceed it. */
function ceilingOf(flow: Flow, round: number): number {
  if (flow.ceilingIn !== round) {
    let ceiling = Infinity;
    for (const l of flow.path) {
      const capacity = l.available_Bps;
      if (capacity < ceiling) ceiling = capacity;
    }
    flow.ceiling_Bps = ceiling;
    flow.ceilingIn = round;
  }
  return flow.ceiling_Bps;
}

/**
 * Links gathered by one computation, in a list kept between computations: it is
 * emptied by resetting `count`, because setting an array's length to 0 frees its
 * storage and the next computation would grow it again.
 */
export class LinkList {
  readonly items: Link[] = [];
  count = 0;

  add(link: Link): void {
    this.items[this.count++] = link;
  }
}

function touch(link: Link, round: number, touched: LinkList): void {
  if (link.touchedIn === round) return;
  link.touchedIn = round;
  touched.add(link);
}

/**
 * Max-min fair allocation: repeatedly find the link whose remaining capacity, shared
 * equally among its unfrozen flows, is smallest; give those flows that share and
 * freeze them. Every flow ends bottlenecked on some saturated link. Each flow's rate
 * is written to its `nextRate`, marked with `round`; scratch state lives on the links
 * and in `links` (reused between calls), so nothing is allocated.
 *
 * Links that can never saturate are left out of the search: a link whose capacity
 * exceeds the sum of its flows' path ceilings (each flow's least link capacity, which
 * its rate cannot exceed) always offers a share strictly above the round's minimum, so
 * it is never the bottleneck and the rates are the same without it. A roomy spine and
 * rack uplinks drop out, leaving the NICs; the search visits a third of the links.
 */
export function maxMinRates(flows: readonly Flow[], round: number, links: LinkList, count = flows.length): void {
  links.count = 0;
  let pending = 0;
  for (let i = 0; i < count; i++) {
    const f = flows[i] as Flow;
    pending++;
    for (const l of f.path) {
      if (l.unfrozen === 0) {
        l.left = l.available_Bps;
        l.demand_Bps = 0;
        links.add(l);
      }
      l.unfrozen++;
    }
  }
  // Ceilings computed while gathering the flows (same round) are reused.
  for (let i = 0; i < count; i++) {
    const f = flows[i] as Flow;
    const ceiling = ceilingOf(f, round);
    for (const l of f.path) l.demand_Bps += ceiling;
  }
  let candidates = 0;
  for (let i = 0; i < links.count; i++) {
    const l = links.items[i] as Link;
    // A margin for the rounding of the sum: keeping a link in the search is always safe.
    if (!(l.available_Bps > l.demand_Bps * (1 + 1e-9))) links.items[candidates++] = l;
  }
  links.count = candidates;
  while (pending > 0) {
    let share = Infinity;
    let bottleneck: Link | undefined;
    for (let i = 0; i < links.count; i++) {
      const l = links.items[i] as Link;
      if (l.unfrozen === 0) continue;
      const s = l.left / l.unfrozen;
      if (s < share) {
        share = s;
        bottleneck = l;
      }
    }
    if (!bottleneck) throw new InvariantError('max-min: flows left with no link');
    for (const f of bottleneck.flows) {
      if (f.fixedIn === round) continue;
      f.fixedIn = round;
      f.nextRate = share;
      pending--;
      for (const l of f.path) {
        l.left = Math.max(0, l.left - share);
        l.unfrozen--;
      }
    }
  }
}
