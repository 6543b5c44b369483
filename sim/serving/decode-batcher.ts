import type { Instance, Windows } from '../datacenter/index.js';
import { type Calendar, Fifo, invariant } from '../engine/index.js';
import type { BatchTimer } from '../physics/index.js';
import { contextTokens, markStarted, type PhaseEvents, PhaseServer } from './phase-server.js';
import type { Request } from './request.js';

/** Moves a request's KV to this decode instance; calls `landed` when it is there. */
export type HandOff = (request: Request, to: DecodeBatcher, landed: () => void) => void;

/**
 * Decode on the performance model, with continuous batching: requests join and leave
 * at step boundaries; each step emits one token per request and takes
 * `decodeStepSeconds(B, Σ context)` with the batch's current contexts.
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
 */
export class DecodeBatcher extends PhaseServer {
  private running: Request[] = [];
  private readonly landed = new Fifo<Request>();
  private readonly evicted: Request[] = [];
  private readonly transferring = new Set<Request>();
  private stepping = false;
  private granting = false;
  /** KV tokens resident (running and landed requests). */
  private kvUsed = 0;
  /** KV tokens reserved for transfers in flight. */
  private reserved = 0;
  /** Σ context tokens of the running batch (what a step reads). */
  private contextSum = 0;

  constructor(
    calendar: Calendar,
    instance: Instance,
    events: PhaseEvents,
    windows: Windows,
    private readonly timer: BatchTimer,
    private readonly maxBatch: number,
    readonly kvCapacityTokens: number,
    private readonly handOff: HandOff,
    /** The simulator's oracle: does this request stop after `decodedTokens`? (EOS) */
    private readonly isFinished: (r: Request) => boolean,
  ) {
    super(calendar, instance, 'decode', events, windows);
  }

  get inService(): number {
    return this.running.length;
  }

  protected *held(): Iterable<Request> {
    yield* this.running;
    yield* this.landed;
    yield* this.evicted;
    yield* this.transferring;
  }

  kick(): void {
    this.grantHandOffs();
    if (!this.stepping) this.step();
  }

  /** Reserve KV and start transfers for waiting requests, in order, while room lasts. */
  private grantHandOffs(): void {
    const now = this.calendar.now_s;
    const cap = this.kvCapacityTokens;
    this.granting = true;
    for (let next = this.peekWaiting(); next; next = this.peekWaiting()) {
      const ctx = contextTokens(next);
      if (ctx + 1 > cap) {
        this.takeWaiting(now);
        this.reject(next, `context of ${ctx} tokens cannot fit the decode instance's KV capacity (${cap} tokens)`);
        continue;
      }
      if (this.evicted.length > 0 || this.kvUsed + this.reserved + ctx + this.running.length + 1 > cap) break;
      this.takeWaiting(now);
      this.reserved += ctx;
      next.stage = 'handoff';
      next.transferStart_s = now;
      this.transferring.add(next);
      this.handOff(next, this, () => this.land(next));
    }
    this.granting = false;
    this.instance.setKvUsed(now, this.kvUsed + this.reserved);
  }

  /** A transfer finished: the request's KV is resident; it joins at the next boundary. */
  private land(r: Request): void {
    const now = this.calendar.now_s;
    this.transferring.delete(r);
    r.transferEnd_s = now;
    r.decodeEnqueue_s = now;
    r.stage = 'decode-queue';
    const ctx = contextTokens(r);
    this.reserved -= ctx;
    this.kvUsed += ctx;
    this.landed.push(r);
    this.instance.queued.add(now, 1);
    if (!this.stepping && !this.granting) this.step();
  }

  private step(): void {
    const now = this.calendar.now_s;
    const cap = this.kvCapacityTokens;
    let recompute = 0;
    let recomputeSquares = 0;
    // Evicted requests first (they were running): they need their KV back.
    while (this.evicted.length > 0 && this.running.length < this.maxBatch) {
      const r = this.evicted[this.evicted.length - 1] as Request;
      const ctx = contextTokens(r);
      if (this.kvUsed + this.reserved + ctx + this.running.length + 1 > cap) break;
      this.evicted.pop();
      recompute += ctx;
      recomputeSquares += ctx * ctx;
      this.kvUsed += ctx;
      this.join(r, now);
    }
    // Then landed requests, whose KV is already here.
    while (this.running.length < this.maxBatch && this.landed.length > 0) {
      this.instance.queued.add(now, -1);
      this.join(this.landed.shift() as Request, now);
    }
    // The step appends one token per request: evict the newest until that fits.
    while (this.running.length > 0 && this.kvUsed + this.reserved + this.running.length > cap) {
      const victim = this.running.pop() as Request;
      const ctx = contextTokens(victim);
      this.kvUsed -= ctx;
      this.contextSum -= ctx;
      victim.preemptions++;
      victim.stage = 'decode-queue';
      this.evicted.push(victim);
      this.changeInService(now, -1);
    }
    this.instance.setKvUsed(now, this.kvUsed + this.reserved);
    const batch = this.running.length;
    if (batch === 0) {
      this.stepping = false;
      if (this.transferring.size === 0 && this.landed.length === 0 && this.evicted.length === 0) this.goIdle();
      return;
    }
    invariant(this.kvUsed + this.reserved + batch <= cap, () => `KV overflow on ${this.instance.name}: ${this.kvUsed} + ${this.reserved} + ${batch} > ${cap} tokens`);
    this.stepping = true;
    // Each request reads its context plus the token it is computing.
    let dt = this.timer.decodeStepSeconds(batch, this.contextSum + batch);
    if (recompute > 0) dt += this.timer.prefillSeconds(recompute, recomputeSquares);
    this.calendar.schedule(dt, endStep, this);
  }

  private join(r: Request, now: number): void {
    markStarted(r, this, now);
    this.running.push(r);
    this.contextSum += contextTokens(r);
    this.changeInService(now, 1);
  }

  endStep(): void {
    const now = this.calendar.now_s;
    const batch = this.running.length;
    this.kvUsed += batch;
    this.contextSum += batch;
    this.outstandingTokens += batch;
    let kept = 0;
    for (const r of this.running) {
      r.decodedTokens++;
      if (this.isFinished(r)) {
        const ctx = contextTokens(r);
        this.kvUsed -= ctx;
        this.contextSum -= ctx;
        this.outstandingTokens -= ctx;
        this.changeInService(now, -1);
        this.events.served(r, this);
      } else {
        this.running[kept++] = r;
      }
    }
    this.running.length = kept;
    this.stepping = false;
    this.kick();
  }
}

function endStep(server: DecodeBatcher): void {
  server.endStep();
}
