import type { Instance, Windows } from '../datacenter/index.js';
import { type Calendar, removeItem, type Timer } from '../engine/index.js';
import type { BatchTimer } from '../physics/index.js';
import { contextTokens, markStarted, type PhaseEvents, PhaseServer } from './phase-server.js';
import { EventOrder } from '../engine/event-order.js';
import type { Request } from './request.js';
import { KvLedger } from './kv-ledger.js';
import type { Charging } from './work-charge.js';
import { addPrefill, type PrefillSums } from '../physics/prefix.js';
import type { PrefixCache } from './prefix-cache.js';
import type { HostTier } from './host-tier.js';
import { InstancePrefix } from './instance-prefix.js';
import { StoreFetches, type StoreTier } from './store-tier.js';

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
  /** Its prefix cache's bookkeeping; null without a cache. */
  private readonly prefix: InstancePrefix | null;
  /** Prompts fetching cached blocks from the datacenter store; null without a store. */
  private readonly fetches: StoreFetches | null;

  constructor(
    calendar: Calendar,
    instance: Instance,
    events: PhaseEvents,
    windows: Windows,
    private readonly batchTimer: BatchTimer,
    private readonly maxBatchTokens: number,
    kvCapacityTokens: number,
    cache: PrefixCache | null = null,
    host: HostTier | null = null,
    store: StoreTier | null = null,
  ) {
    super(calendar, instance, 'prefill', events, windows);
    this.kv = new KvLedger(instance, kvCapacityTokens, cache, host?.cache ?? null);
    this.prefix = cache ? new InstancePrefix(this.kv, cache, host, instance, false, store) : null;
    this.fetches = cache && store ? new StoreFetches(store, instance, () => this.kick()) : null;
  }

  /** Leading full blocks of the prompt its cache holds (what `prefix-aware` routing reads). */
  override prefixMatch(blockIds: readonly number[], promptTokens: number): number {
    return this.prefix ? this.prefix.match(blockIds, promptTokens) : 0;
  }

  get inService(): number {
    return this.batch.length;
  }

  protected *held(): Iterable<Request> {
    yield* this.batch;
    if (this.fetches) yield* this.fetches.requests();
  }

  kick(): void {
    if (this.batch.length > 0 || this.down) return;
    const now = this.calendar.now_s;
    const sums: PrefillSums = { tokens: 0, sumSquaredTokens: 0, prefixPairs: 0, prefixTokens: 0 };
    let tokens = this.fetches ? this.joinFetched(sums) : 0;
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
      // The batch budget counts the tokens a pass computes: a cached prefix is not one of
      // them. vLLM's scheduler budgets `num_new_tokens = request.num_tokens -
      // num_computed_tokens`, the computed tokens including prefix-cache hits
      // (github.com/vllm-project/vllm, vllm/v1/core/sched/scheduler.py).
      const computed = this.prefix ? p - this.prefix.cachedTokens(next) : p;
      if (!this.kv.fits(p) || (this.batch.length > 0 && tokens + computed > this.maxBatchTokens)) break;
      this.takeWaiting(now);
      markStarted(next, this, now);
      const cached = this.startWithPrefix(next, p);
      // Blocks only the datacenter store holds arrive first: the prompt waits for them.
      if (this.fetches && this.prefix && this.prefix.fetchBlocks > 0) {
        this.fetches.start(next, this.prefix.fetchBlocks);
        continue;
      }
      addPrefill(sums, p, cached);
      this.batch.push(next);
      tokens += computed;
    }
    if (this.batch.length === 0) {
      this.goIdle();
      return;
    }
    this.changeInService(now, this.batch.length);
    this.kv.record(now);
    const { sumSquaredTokens: squares, prefixPairs, prefixTokens } = sums;
    // Blocks loaded from host memory arrive before the pass (**assumption**: not overlapped).
    const load_s = this.prefix ? this.prefix.takeLoadSeconds() : 0;
    const dt = this.batchTimer.prefillSeconds(sums.tokens, squares, prefixPairs, prefixTokens) + load_s;
    this.timer = this.calendar.schedule(dt, finishPrefill, this, EventOrder.completion);
    const work = this.charging?.model.prefill(sums.tokens, squares, prefixPairs, prefixTokens);
    if (work) this.charging?.pass.begin(now, now + dt, work);
  }

  /** Prompts whose store fetch has arrived open the pass (their KV is held already). Returns their computed tokens. */
  private joinFetched(sums: PrefillSums): number {
    let tokens = 0;
    for (const r of (this.fetches as StoreFetches).takeReady()) {
      const p = contextTokens(r);
      addPrefill(sums, p, r.cachedPromptTokens);
      this.batch.push(r);
      tokens += p - r.cachedPromptTokens;
    }
    return tokens;
  }

  /**
   * Holds the request's KV, reusing the leading full prompt blocks the cache holds
   * (Mooncake's last id may name a partial block; like vLLM, only full blocks are
   * cached). Returns the cached tokens its prefill skips (at most all but one).
   */
  private startWithPrefix(r: Request, contextTokens: number): number {
    if (this.prefix) return this.prefix.hold(r, contextTokens, this.calendar.now_s);
    this.kv.hold(contextTokens);
    return 0;
  }

  protected evacuate(now: number): Request[] {
    this.timer?.cancel();
    this.timer = null;
    this.charging?.pass.stop(now);
    const lost = this.batch;
    this.batch = [];
    this.changeInService(now, -lost.length);
    // Prompts waiting for (or holding) a store fetch lose it, and their KV, too.
    if (this.fetches) lost.push(...this.fetches.abortAll());
    for (const r of lost) this.kv.release(contextTokens(r));
    // The instance failed: its cached blocks are lost with its memory.
    this.prefix?.clear();
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
    this.prefix?.clear();
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
    // The prompt's full blocks stay cached after the hand-off took its KV away.
    if (this.prefix) this.prefix.keep(r, contextTokens(r));
    else this.kv.release(contextTokens(r));
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
