import type { Flow, FlowReceiver, Instance, Windows } from '../datacenter/index.js';
import { type Calendar, Fifo, InvariantError, removeItem } from '../engine/index.js';
import type { BatchTimer } from '../physics/index.js';
import { StepRun } from './step-run.js';
import type { Charging } from './work-charge.js';
import { DecodeBatch } from './decode-batch.js';
import { KvLedger } from './kv-ledger.js';
import { contextTokens, markStarted, type PhaseEvents, PhaseServer } from './phase-server.js';
import type { Abortable, Request } from './request.js';
import { land, startTransfer } from './request-life.js';

/**
 * Moves a request's KV to this decode instance, which hears `arrived` when it is there.
 * Returns the transfer when it can still be stopped (null when it arrived at once).
 */
export type HandOff = (request: Request, to: DecodeBatcher) => Abortable | null;

/** How decode steps become events: one event per step, or one per run of steps. */
export type DecodeStepping = 'fast-forward' | 'exact';

/**
 * Decode on the performance model, with continuous batching: requests join and leave
 * at step boundaries; each step emits one token per request and takes
 * `decodeStepSeconds(B, Σ context)` with the batch's current contexts. (With
 * speculative decoding a step stands for 1/E of a verification step: the timer charges
 * the step's expected yield, docs/physics.md.)
 *
 * KV memory is a hard limit, in tokens:
 * 1. Hand-off: a request routed here waits (the transfer queue) until room for its
 *    prompt's KV, plus one token of growth per running request, can be reserved; only
 *    then does its transfer start, so a transfer never lands on memory that is not there.
 * 2. Landed requests hold their KV and join the batch (up to `decode_max_batch`).
 * 3. Each step appends one token per request. If that would overflow, the most
 *    recently admitted request is evicted (LIFO, as vLLM's recompute preemption): its
 *    KV is dropped, and when room returns it is readmitted ahead of others and the
 *    step also recomputes its context (charged as a prefill of that many tokens).
 * 4. A request whose context alone can never fit is rejected.
 * None of these decisions reads a request's true output length.
 *
 * Fast-forward: between changes of batch membership nothing but the context grows, so
 * a run of k steps takes `stepsSeconds(...)` in closed form and is one event. k is the
 * number of steps until the first request finishes (the simulator's EOS oracle) or
 * until the batch's growth would need an eviction. A hand-off landing during a run, or
 * a new KV reservation that leaves a step of it short of KV, cuts it at the next step
 * boundary, where exact stepping would have acted on it; per-request times then match
 * exact stepping (tested to 1e-9).
 */
export class DecodeBatcher extends PhaseServer implements FlowReceiver {
  private readonly batch: DecodeBatch;
  /** The instance's KV: resident (landed, decoding) and reserved for hand-offs in flight. */
  readonly kv: KvLedger;
  private readonly landed = new Fifo<Request>();
  /** Requests whose KV is on its way here, in the order their transfers started. */
  private readonly transferring: Request[] = [];
  private stepping = false;
  private granting = false;
  private readonly run = new StepRun<DecodeBatcher>(this.calendar, endStep, this as DecodeBatcher);

  constructor(
    calendar: Calendar,
    instance: Instance,
    events: PhaseEvents,
    windows: Windows,
    private readonly timer: BatchTimer,
    private readonly maxBatch: number,
    kvCapacityTokens: number,
    private readonly handOff: HandOff,
    /** The simulator's oracle: decode steps until this request emits its EOS. */
    private readonly stepsLeft: (r: Request) => number,
    private readonly stepping_mode: DecodeStepping = 'fast-forward',
  ) {
    super(calendar, instance, 'decode', events, windows);
    this.kv = new KvLedger(instance, kvCapacityTokens);
    this.batch = new DecodeBatch(this.kv);
  }

  get inService(): number {
    return this.batch.size;
  }

  /** Charge the FLOPs and bytes of its steps (MFU, MBU) there. */
  measure(charging: Charging): void {
    this.run.charging = charging;
  }

  protected *held(): Iterable<Request> {
    yield* this.batch.running;
    yield* this.landed;
    yield* this.batch.evicted;
    yield* this.transferring;
  }

  override get watchesSharedQueue(): boolean {
    return true;
  }

  override sharedWorkWaiting(): void {
    this.run.cut(this.calendar.now_s);
  }

  kick(): void {
    if (this.down) return;
    // An idle batcher steps, and a step grants hand-offs first: granting here too would
    // go over the waiting requests twice at the same instant.
    if (this.stepping) this.grantHandOffs();
    else this.step();
  }

  /** Reserve KV and start transfers for waiting requests, in order, while room lasts. */
  private grantHandOffs(): void {
    const now = this.calendar.now_s;
    const cap = this.kv.capacity_tokens;
    const grown = this.grownInRun(now);
    this.granting = true;
    for (let next = this.peekWaiting(); next; next = this.peekWaiting()) {
      const ctx = contextTokens(next);
      if (ctx + 1 > cap) {
        this.takeWaiting(now);
        this.reject(next, `context of ${ctx} tokens cannot fit the decode instance's KV capacity (${cap} tokens)`);
        continue;
      }
      if (this.batch.evicted.length > 0 || !this.kv.fits(grown + ctx + this.batch.size + 1)) break;
      this.takeWaiting(now);
      this.kv.reserve(ctx);
      // Exact stepping acts on a reservation at a boundary only where a step would then
      // need an eviction: the run's last step needs the most KV, so if that still fits,
      // the run goes on (its end re-decides anyway).
      if (!this.kv.fits(this.run.batch * this.run.steps)) this.run.cut(now);
      startTransfer(next, now);
      this.transferring.push(next);
      next.transfer = this.handOff(next, this);
    }
    this.granting = false;
    this.kv.record(now, grown);
  }

  /**
   * KV the running batch has appended by `now` in a fast-forwarded run, one token per
   * request per step already taken: the ledger gets it when the run ends.
   */
  private grownInRun(now: number): number {
    return this.run.active ? this.run.batch * this.run.doneBy(now) : 0;
  }

  /** A hand-off over the network delivered its request's KV here. */
  delivered(flow: Flow): void {
    const r = flow.payload as Request;
    if (flow.stalled) r.linkStalls++;
    this.arrived(r);
  }

  /** The request's KV is here: its prefill instance lets go of its copy. */
  arrived(r: Request): void {
    r.kvHolder?.release(r);
    this.land(r);
  }

  /** A transfer finished: the request's KV is resident; it joins at the next boundary. */
  private land(r: Request): void {
    const now = this.calendar.now_s;
    removeItem(this.transferring, r);
    r.transfer = null;
    land(r, now);
    this.kv.land(contextTokens(r));
    this.landed.push(r);
    this.instance.queued.add(now, 1);
    this.stats?.waiting.add(now, 1);
    this.run.cut(now);
    if (!this.stepping && !this.granting) this.step();
  }

  private step(): void {
    // Room may have opened since the last look (a landing, a finish): grant waiting
    // hand-offs first, at this boundary, in both stepping modes.
    if (!this.granting) this.grantHandOffs();
    const now = this.calendar.now_s;
    const b = this.batch;
    // Evicted requests first (they were running): they need their KV back.
    b.readmitWhileFits(this.maxBatch, 0, this.joinNow);
    const recompute = b.recomputeTokens;
    const recomputeSquares = b.recomputeSquares;
    // Then landed requests, whose KV is already here.
    while (b.size < this.maxBatch && this.landed.length > 0) {
      this.instance.queued.add(now, -1);
      this.stats?.waiting.add(now, -1);
      this.join(this.landed.shift() as Request, now);
    }
    // The step appends one token per request: evict the newest until that fits.
    const evicted = b.evictUntilStepFits();
    if (evicted > 0) this.changeInService(now, -evicted);
    this.kv.record(now);
    const batch = b.size;
    if (batch === 0) {
      this.stepping = false;
      // No step runs, so no boundary will look at a shared queue: ready to be woken,
      // though transfers may be in flight; room for more is KV not yet reserved, which
      // the grant checks when woken. Only evicted requests waiting for their KV back
      // block grants (they go first) until a landing steps again.
      if (b.evicted.length === 0) this.goIdle();
      return;
    }
    if (!b.stepFits())
      throw new InvariantError(
        `KV overflow on ${this.instance.name}: ${this.kv.used} + ${batch} > ${this.kv.capacity_tokens} tokens`,
      );
    this.stepping = true;
    // A running batcher takes shared work at its next boundary, not when woken.
    this.unpark();
    // Each request reads its context plus the token it is computing.
    const context0 = b.contextSum + batch;
    const recompute_s = recompute > 0 ? this.timer.prefillSeconds(recompute, recomputeSquares) : 0;
    let steps = 1;
    // Exact stepping acts at the next boundary when readmitting evicted requests has
    // unblocked hand-off grants, or when an eviction has made room in the batch for a
    // landed request: keep that boundary. Otherwise nothing changes until a request
    // finishes or the KV fills.
    const changesNext = recompute > 0 || (this.landed.length > 0 && batch < this.maxBatch);
    if (this.stepping_mode === 'fast-forward' && !changesNext) steps = b.fastForwardSteps(this.stepsLeft);
    const recomputeWork = recompute > 0 ? this.run.charging?.model.prefill(recompute, recomputeSquares) : undefined;
    this.run.start(
      now,
      this.timer.stepLine(batch),
      batch,
      context0,
      recompute_s,
      steps,
      recompute_s + this.timer.decodeStepSeconds(batch, context0),
      recomputeWork,
    );
  }

  protected evacuate(now: number): Request[] {
    // Steps of a fast-forwarded run that ended by now did emit their tokens (as they
    // would have one event each under exact stepping); the step in progress is lost.
    this.settleRun(now);
    this.stepping = false;
    const b = this.batch;
    const lost = [...b.running, ...b.evicted, ...this.landed, ...this.transferring];
    for (const r of this.transferring) stopTransfer(r);
    const inService = b.size;
    b.clear();
    this.changeInService(now, -inService);
    this.instance.queued.add(now, -this.landed.length);
    this.stats?.waiting.add(now, -this.landed.length);
    while (this.landed.shift());
    this.transferring.length = 0;
    this.kv.record(now);
    return lost;
  }

  /** Also a request whose transfer to here is in flight: stop it and free its reservation. */
  override withdraw(r: Request): boolean {
    if (super.withdraw(r)) return true;
    if (!removeItem(this.transferring, r)) return false;
    stopTransfer(r);
    this.kv.unreserve(contextTokens(r));
    this.addWork(-r.promptTokens);
    const now = this.calendar.now_s;
    this.run.cut(now);
    this.kv.record(now, this.grownInRun(now));
    return true;
  }

  private join(r: Request, now: number): void {
    markStarted(r, this, now);
    this.batch.join(r);
    this.changeInService(now, 1);
  }

  /** `join` at the current time, as one function the batch calls (not a closure per step). */
  private readonly joinNow = (r: Request): void => this.join(r, this.calendar.now_s);

  endStep(): void {
    this.advance(this.run.finish());
    this.stepping = false;
    this.kick();
  }

  private advance(steps: number): void {
    this.batch.advance(steps, this.stepsLeft, this.finished);
  }

  /** A request emitted its last token and left the batch (one function, not one per run). */
  private readonly finished = (r: Request): void => {
    this.addWork(-r.promptTokens);
    this.changeInService(this.calendar.now_s, -1);
    this.events.served(r, this);
  };

  /** Stop the run at `now`, crediting the steps that ended by then. */
  private settleRun(now: number): void {
    if (!this.run.active) return;
    const done = this.run.doneBy(now);
    this.run.cancel();
    if (done > 0) this.advance(done);
  }
}

function stopTransfer(r: Request): void {
  r.transfer?.abort();
  r.transfer = null;
}

function endStep(server: DecodeBatcher): void {
  server.endStep();
}
