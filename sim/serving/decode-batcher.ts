import type { Instance, Windows } from '../datacenter/index.js';
import { type Calendar, invariant } from '../engine/index.js';
import type { BatchTimer } from '../physics/index.js';
import { contextTokens, markStarted, type PhaseEvents, PhaseServer } from './phase-server.js';
import type { Request } from './request.js';

/**
 * Decode on the performance model, with continuous batching: requests join and leave
 * at step boundaries; each step emits one token per request and takes
 * `decodeStepSeconds(B, Σ context)` with the batch's current contexts.
 *
 * KV memory is a hard limit. A request joins only if its context, plus one token of
 * growth for every request in the batch, fits. If the batch's growth would overflow,
 * the most recently admitted request is evicted (LIFO, as vLLM's recompute
 * preemption): its KV is dropped, it returns to the head of the queue, and when it is
 * readmitted the step also recomputes its context (charged as a prefill of that many
 * tokens). A request whose context alone cannot fit is rejected. None of these
 * decisions reads a request's true output length.
 */
export class DecodeBatcher extends PhaseServer {
  private running: Request[] = [];
  private readonly evicted: Request[] = [];
  private stepping = false;
  private kvUsed = 0;
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
    /** The simulator's oracle: does this request stop after `decodedTokens`? (EOS) */
    private readonly isFinished: (r: Request) => boolean,
  ) {
    super(calendar, instance, 'decode', events, windows);
  }

  get inService(): number {
    return this.running.length;
  }

  get kvUsedTokens(): number {
    return this.kvUsed;
  }

  protected *held(): Iterable<Request> {
    yield* this.running;
    yield* this.evicted;
  }

  kick(): void {
    if (!this.stepping) this.step();
  }

  private step(): void {
    const now = this.calendar.now_s;
    const cap = this.kvCapacityTokens;
    let recompute = 0;
    let recomputeSquares = 0;
    // Admit: evicted requests first (they were running), then the queue, in order.
    for (;;) {
      if (this.running.length >= this.maxBatch) break;
      const next = this.evicted[this.evicted.length - 1] ?? this.peekWaiting();
      if (!next) break;
      const ctx = contextTokens(next);
      if (ctx + 1 > cap) {
        if (next === this.evicted[this.evicted.length - 1]) this.evicted.pop();
        else this.takeWaiting(now);
        this.reject(next, `context of ${ctx} tokens cannot fit the decode instance's KV capacity (${cap} tokens)`);
        continue;
      }
      if (this.kvUsed + ctx + this.running.length + 1 > cap) break;
      if (next === this.evicted[this.evicted.length - 1]) {
        this.evicted.pop();
        recompute += ctx;
        recomputeSquares += ctx * ctx;
      } else {
        this.takeWaiting(now);
      }
      markStarted(next, this, now);
      this.running.push(next);
      this.kvUsed += ctx;
      this.contextSum += ctx;
      this.changeInService(now, 1);
    }
    // The step appends one token per request: evict the newest until that fits.
    while (this.running.length > 0 && this.kvUsed + this.running.length > cap) {
      const victim = this.running.pop() as Request;
      const ctx = contextTokens(victim);
      this.kvUsed -= ctx;
      this.contextSum -= ctx;
      victim.preemptions++;
      victim.stage = 'decode-queue';
      this.evicted.push(victim);
      this.changeInService(now, -1);
    }
    this.instance.setKvUsed(now, this.kvUsed);
    const batch = this.running.length;
    if (batch === 0) {
      this.stepping = false;
      this.goIdle();
      return;
    }
    invariant(this.kvUsed + batch <= cap, () => `KV overflow on ${this.instance.name}: ${this.kvUsed} + ${batch} > ${cap} tokens`);
    this.stepping = true;
    // Each request reads its context plus the token it is computing.
    let dt = this.timer.decodeStepSeconds(batch, this.contextSum + batch);
    if (recompute > 0) dt += this.timer.prefillSeconds(recompute, recomputeSquares);
    this.calendar.schedule(dt, endStep, this);
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
    this.step();
  }
}

function endStep(server: DecodeBatcher): void {
  server.endStep();
}
