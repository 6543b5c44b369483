// The autoscaler of one node group: every interval_s it reads the trailing window,
// decides a size (policy.ts) and switches instances on and off. docs/model.md,
// Autoscaling, states the rules; this file carries them out on the calendar.
import { type Calendar, EventOrder, TimeWeighted, type Timer } from '../engine/index.js';
import type { AutoscaleGroup } from '../scenario/resolved.js';
import type { Slo } from '../scenario/schema.js';
import { decide, type Signal } from './policy.js';
import { TrailingMean } from './trailing.js';

/** What the controller needs of an instance. */
export interface ScaledInstance {
  readonly index: number;
  /** 1 while on (provisioning, serving or draining): its area is the on-time. */
  readonly on: TimeWeighted | null;
  /** Whether it takes new work (on and not draining, provisioning done). */
  accepting: boolean;
  /** Called when the instance may have emptied (nothing in service, no KV left); null when nobody listens. */
  emptied: (() => void) | null;
  /** Where the instance reports each change of its busy state (the group's busy count). */
  groupBusy: TimeWeighted | null;
  readonly spec: { readonly rack: string };
}

/** What the controller needs of the serving system. */
export interface ScalingHost {
  /** The instances' servers take work again (routers choose them, shared queues wake them). */
  startTaking(insts: readonly ScaledInstance[]): void;
  /** Their servers take no new work; requests queued at them, not started, go back to their pool. */
  stopTaking(insts: readonly ScaledInstance[]): void;
  /** Nothing queued, in service, held for a hand-off or in transfer to it. */
  holdsNothing(inst: ScaledInstance): boolean;
  /** Running integral of requests waiting or in service in the pools of `role`, and their instances that are on. */
  poolLoad(role: AutoscaleGroup['role'], t_s: number): { area: number; onInstances: number };
}

/** A request as the slo policy reads it when it ends. */
export interface EndedRequest {
  readonly status?: string | undefined;
  readonly outputTokens: number;
  readonly firstToken_s: number;
  readonly completion_s: number;
  readonly arrival_s: number;
  readonly prefillInstance: { readonly index: number } | null;
  readonly decodeInstance: { readonly index: number } | null;
}

type State = 'off' | 'provisioning' | 'up' | 'draining';

/** The controller of one autoscaled group. */
export class Autoscaler {
  private readonly state: State[];
  private readonly members: ReadonlySet<number>;
  /** Rack copy of each member (by instance index), and the group's instances on per copy. */
  private readonly rackOf: Int32Array;
  private readonly onPerRack: Int32Array;
  private readonly ready = new Map<number, Timer>();
  /** Order instances were turned on in, for cancelling the newest first. */
  private provisioningOrder: number[] = [];
  private lastOut_s = 0;
  private lastIn_s = 0;
  private readonly busy: TrailingMean;
  /** Number of the group's instances busy, as a tally (one window: only its running integral is read). */
  private readonly busyCount = new TimeWeighted(Infinity);
  private readonly load: TrailingMean;
  /** slo policy: (time, met, met tightened) of requests settled at this group, oldest first. */
  private settled: Array<{ t_s: number; met: boolean; tight: boolean }> = [];
  /** When provisioning began for instances still provisioning (ramp spans). */
  private rampStart_s: number | null = null;
  /** [start, end) spans with an instance of this group provisioning. */
  readonly ramps: Array<[number, number]> = [];

  constructor(
    private readonly calendar: Calendar,
    readonly group: AutoscaleGroup,
    private readonly instances: readonly ScaledInstance[],
    private readonly host: ScalingHost,
    private readonly slo: Slo | undefined,
    /** Decisions stop when arrivals do (the run then ends when the system empties). */
    private readonly until_s: number,
  ) {
    this.members = new Set(group.instances);
    this.state = instances.map((i) => (i.accepting ? 'up' : 'off'));
    const racks = new Map<string, number>();
    this.rackOf = new Int32Array(instances.length);
    for (const i of group.instances) {
      const name = (instances[i] as ScaledInstance).spec.rack;
      if (!racks.has(name)) racks.set(name, racks.size);
      this.rackOf[i] = racks.get(name) as number;
    }
    this.onPerRack = new Int32Array(racks.size);
    if (group.policy === 'utilization' && group.min < group.max) {
      for (const i of group.instances) (instances[i] as ScaledInstance).groupBusy = this.busyCount;
    }
    for (const i of group.instances) {
      const r = this.rackOf[i] as number;
      if (this.state[i] === 'up') this.onPerRack[r] = (this.onPerRack[r] as number) + 1;
    }
    const intervals = Math.ceil(group.window_s / group.interval_s - 1e-9);
    this.busy = new TrailingMean(intervals);
    this.load = new TrailingMean(intervals);
  }

  /** Schedule the first decision; none at all when the group cannot change size (min = max). */
  start(): void {
    if (this.group.min === this.group.max) return;
    this.next(this.group.interval_s);
  }

  get provisioning(): number {
    return this.ready.size;
  }

  private next(t_s: number): void {
    if (t_s < this.until_s) this.calendar.scheduleAt(t_s, tick, this, EventOrder.fault);
  }

  /** One decision: signal, size, actions; then the next decision. */
  decideNow(): void {
    const now = this.calendar.now_s;
    const counts = this.counts();
    const want = decide(
      this.signal(now),
      this.group,
      { up: counts.up, provisioning: counts.provisioning, lastOut_s: this.lastOut_s, lastIn_s: this.lastIn_s },
      now,
    );
    const current = counts.up + counts.provisioning;
    if (want > current) {
      this.lastOut_s = now;
      this.grow(want - current);
    } else if (want < current) {
      this.lastIn_s = now;
      this.shrink(current - want);
    }
    this.next(now + this.group.interval_s);
  }

  private counts(): { up: number; provisioning: number } {
    let up = 0;
    for (const i of this.group.instances) if (this.state[i] === 'up') up++;
    return { up, provisioning: this.ready.size };
  }

  private signal(now: number): Signal {
    const g = this.group;
    if (g.policy === 'utilization') {
      return { policy: 'utilization', busyInstances: this.busy.push(now, this.busyCount.areaUntil(now)) };
    }
    if (g.policy === 'queue') {
      const { area, onInstances } = this.host.poolLoad(g.role, now);
      // The group's share of its pools' requests is its share of their instances that are on.
      let on = 0;
      for (const i of g.instances) if (this.state[i] !== 'off') on++;
      const share = onInstances > 0 ? on / onInstances : 1;
      return { policy: 'queue', requests: this.load.push(now, area) * share };
    }
    const since = now - g.window_s;
    let k = 0;
    while (k < this.settled.length && (this.settled[k] as { t_s: number }).t_s <= since) k++;
    if (k > 0) this.settled = this.settled.slice(k);
    let met = 0;
    let tight = 0;
    for (const s of this.settled) {
      if (s.met) met++;
      if (s.tight) tight++;
    }
    return { policy: 'slo', settled: this.settled.length, met, metTight: tight };
  }

  /** Turn on `n` instances: draining ones first (still warm), then off ones, which provision. */
  private grow(n: number): void {
    const back: ScaledInstance[] = [];
    for (let k = 0; k < n; k++) {
      const draining = this.pick('draining', 'fewest');
      if (draining !== undefined) {
        this.setState(draining, 'up');
        const inst = this.instances[draining] as ScaledInstance;
        inst.emptied = null;
        inst.accepting = true;
        back.push(inst);
        continue;
      }
      const off = this.pick('off', 'fewest');
      if (off === undefined) break;
      this.provision(off);
    }
    if (back.length > 0) this.host.startTaking(back);
  }

  /** A member's state; the per-rack count of instances on follows (provisioning and up count). */
  private setState(i: number, next: State): void {
    const was = this.state[i] as State;
    const on = (s: State) => (s === 'up' || s === 'provisioning' ? 1 : 0);
    const r = this.rackOf[i] as number;
    this.onPerRack[r] = (this.onPerRack[r] as number) + on(next) - on(was);
    this.state[i] = next;
  }

  private provision(i: number): void {
    const now = this.calendar.now_s;
    const inst = this.instances[i] as ScaledInstance;
    this.setState(i, 'provisioning');
    inst.on?.set(now, 1);
    if (this.rampStart_s === null) this.rampStart_s = now;
    const timer = this.calendar.scheduleAt(
      now + this.group.provisioning_s,
      provisioned,
      { scaler: this, index: i },
      EventOrder.fault,
    );
    this.ready.set(i, timer);
    this.provisioningOrder.push(i);
  }

  /** Provisioning done: the instance serves. */
  provisioned(i: number): void {
    this.ready.delete(i);
    this.provisioningOrder = this.provisioningOrder.filter((x) => x !== i);
    this.setState(i, 'up');
    const inst = this.instances[i] as ScaledInstance;
    inst.accepting = true;
    this.host.startTaking([inst]);
    this.endRampIfDone();
  }

  /** Turn off `n`: provisioning ones first (newest first; they serve nothing yet), then drain serving ones. */
  private shrink(n: number): void {
    const now = this.calendar.now_s;
    const draining: number[] = [];
    for (let k = 0; k < n; k++) {
      const newest = this.provisioningOrder.pop();
      if (newest !== undefined) {
        this.ready.get(newest)?.cancel();
        this.ready.delete(newest);
        this.setState(newest, 'off');
        (this.instances[newest] as ScaledInstance).on?.set(now, 0);
        this.endRampIfDone();
        continue;
      }
      const up = this.pick('up', 'most');
      if (up === undefined) break;
      this.setState(up, 'draining');
      draining.push(up);
    }
    if (draining.length > 0) this.drain(draining);
  }

  private drain(members: readonly number[]): void {
    const insts = members.map((i) => this.instances[i] as ScaledInstance);
    for (const inst of insts) inst.accepting = false;
    this.host.stopTaking(insts);
    members.forEach((i, k) => {
      // Emptied mid-event (a batch ending, a transfer leaving): look once the instant's
      // other work is done, so the check sees the instance as the event leaves it.
      (insts[k] as ScaledInstance).emptied = () =>
        this.calendar.scheduleAt(this.calendar.now_s, emptyCheck, { scaler: this, index: i }, EventOrder.completion);
      this.offIfEmpty(i);
    });
  }

  /** A draining instance that holds nothing is switched off. */
  offIfEmpty(i: number): void {
    const inst = this.instances[i] as ScaledInstance;
    if (this.state[i] !== 'draining' || !this.host.holdsNothing(inst)) return;
    this.setState(i, 'off');
    inst.emptied = null;
    inst.on?.set(this.calendar.now_s, 0);
  }

  /**
   * The member in `state` in the rack copy with the fewest (scale-out) or most
   * (scale-in) of the group's instances on, so copies stay even; ties: the lowest index
   * out, the highest in.
   */
  private pick(state: State, rack: 'fewest' | 'most'): number | undefined {
    let best: number | undefined;
    let bestOn = 0;
    for (const i of this.group.instances) {
      if (this.state[i] !== state) continue;
      const on = this.onPerRack[this.rackOf[i] as number] as number;
      if (best === undefined || (rack === 'fewest' ? on < bestOn : on >= bestOn)) {
        best = i;
        bestOn = on;
      }
    }
    return best;
  }

  private endRampIfDone(): void {
    if (this.ready.size > 0 || this.rampStart_s === null) return;
    this.ramps.push([this.rampStart_s, this.calendar.now_s]);
    this.rampStart_s = null;
  }

  /** Whether an instance of this group is provisioning now (a ramp is in progress). */
  get ramping(): boolean {
    return this.ready.size > 0;
  }

  /** The run ends: a ramp still open closes at `t_s`. */
  close(t_s: number): void {
    if (this.rampStart_s !== null) this.ramps.push([this.rampStart_s, t_s]);
    this.rampStart_s = null;
  }

  /** slo policy: a request ended; if its latency for this group's phase settled here, count it. */
  ended(r: EndedRequest): void {
    if (this.group.policy !== 'slo' || r.status !== 'completed') return;
    const role = this.group.role;
    const at = role === 'decode' ? r.decodeInstance : r.prefillInstance;
    if (!at || !this.members.has(at.index)) return;
    const ratio = this.group.scale_in_ratio;
    const ttft = r.firstToken_s - r.arrival_s;
    const tpot = r.outputTokens > 1 ? (r.completion_s - r.firstToken_s) / (r.outputTokens - 1) : NaN;
    const within = (scale: number) => {
      const ttftOk = role === 'decode' || this.slo?.ttft_s === undefined || ttft <= this.slo.ttft_s * scale;
      const tpotOk = role === 'prefill' || this.slo?.tpot_s === undefined || !(tpot > this.slo.tpot_s * scale);
      return ttftOk && tpotOk;
    };
    this.settled.push({ t_s: this.calendar.now_s, met: within(1), tight: within(ratio) });
  }
}

function tick(s: Autoscaler): void {
  s.decideNow();
}

function provisioned(e: { scaler: Autoscaler; index: number }): void {
  e.scaler.provisioned(e.index);
}

function emptyCheck(e: { scaler: Autoscaler; index: number }): void {
  e.scaler.offIfEmpty(e.index);
}
