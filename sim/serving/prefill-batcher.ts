import type { Instance, Windows } from '../datacenter/index.js';
import { type Calendar, removeItem, type Timer } from '../engine/index.js';
import type { BatchTimer } from '../physics/index.js';
import { contextTokens, markStarted, type PhaseEvents, PhaseServer } from './phase-server.js';
import { EventOrder } from '../engine/event-order.js';
import type { Request } from './request.js';
import { KvLedger } from './kv-ledger.js';
import type { Charging } from './work-charge.js';

/**
 * Prefill on the performance model. When idle, the instance takes queued prompts in
 * arrival order while their tokens fit the batch budget (`prefill_max_batch_tokens`;
 * a longer prompt runs alone) and its KV capacity, and runs them as one pass. Every
 * prompt in the batch emits its first token when the pass ends, and the instance holds
 * its KV until the hand-off to decode completes (`release`), so slow hand-offs back up
 * into prefill.
 */
export class PrefillBatcher extends PhaseServer {
  private batch: Request[] = [];
  /** The instance's KV: prompts in the pass, and finished ones held until their hand-off completes. */
  readonly kv: KvLedger;
  /** The requests whose KV it holds (lost with the instance), in the order they finished. */
  private readonly holds: Request[] = [];
  private timer: Timer | null = null;
  /** Where its passes' FLOPs and bytes are charged (MFU, MBU). */
  charging: Charging | null = null;

  constructor(
    calendar: Calendar,
    instance: Instance,
    events: PhaseEvents,
    windows: Windows,
    private readonly batchTimer: BatchTimer,
    private readonly maxBatchTokens: number,
    kvCapacityTokens: number,
  ) {
    super(calendar, instance, 'prefill', events, windows);
    this.kv = new KvLedger(instance, kvCapacityTokens);
  }

  get inService(): number {
    return this.batch.length;
  }

  protected held(): Iterable<Request> {
    return this.batch;
  }

  kick(): void {
    if (this.batch.length > 0 || this.down) return;
    const now = this.calendar.now_s;
    let tokens = 0;
    let squares = 0;
    for (let next = this.peekWaiting(); next; next = this.peekWaiting()) {
      // A retried request recomputes what it had generated too.
      const p = contextTokens(next);
      if (p > this.kv.capacity_tokens) {
        this.takeWaiting(now);
        this.reject(
          next,
          `prompt of ${p} tokens exceeds the prefill instance's KV capacity (${this.kv.capacity_tokens} tokens)`,
        );
        continue;
      }
      if (!this.kv.fits(p) || (this.batch.length > 0 && tokens + p > this.maxBatchTokens)) break;
      this.takeWaiting(now);
      markStarted(next, this, now);
      this.kv.hold(p);
      this.batch.push(next);
      tokens += p;
      squares += p * p;
    }
    if (this.batch.length === 0) {
      this.goIdle();
      return;
    }
    this.changeInService(now, this.batch.length);
    this.kv.record(now);
    const dt = this.batchTimer.prefillSeconds(tokens, squares);
    this.timer = this.calendar.schedule(dt, finishPrefill, this, EventOrder.completion);
    this.charging?.pass.begin(now, now + dt, this.charging.model.prefill(tokens, squares));
  }

  protected evacuate(now: number): Request[] {
    this.timer?.cancel();
    this.timer = null;
    this.charging?.pass.stop(now);
    const lost = this.batch;
    this.batch = [];
    for (const r of lost) this.kv.release(contextTokens(r));
    this.changeInService(now, -lost.length);
    this.kv.record(now);
    return lost;
  }

  /** The instance failed: the prompts it held for hand-off have lost their KV. */
  dropHeld(): Request[] {
    const lost = [...this.holds];
    for (const r of lost) {
      r.kvHolder = null;
      this.kv.release(contextTokens(r));
    }
    this.holds.length = 0;
    this.kv.record(this.calendar.now_s);
    return lost;
  }

  finish(): void {
    const now = this.calendar.now_s;
    const done = this.batch;
    this.batch = [];
    this.timer = null;
    this.charging?.pass.end();
    this.changeInService(now, -done.length);
    // Their KV stays, held for the hand-off.
    for (const r of done) {
      this.holds.push(r);
      r.kvHolder = this;
    }
    this.kv.record(now);
    for (const r of done) {
      this.addWork(-r.promptTokens);
      this.events.served(r, this);
    }
    this.kick();
  }

  /** The request's KV has left (hand-off done, or no decode needed): free it. */
  release(r: Request): void {
    this.kv.release(contextTokens(r));
    removeItem(this.holds, r);
    r.kvHolder = null;
    this.kv.record(this.calendar.now_s);
    this.kick();
    // A draining instance is off once the last prompt it holds has been handed off.
    if (this.holds.length === 0 && this.batch.length === 0) this.instance.emptied?.();
  }

  /** Prompts whose KV it holds for their hand-off. */
  get holding(): number {
    return this.holds.length;
  }
}

function finishPrefill(server: PrefillBatcher): void {
  server.finish();
}
