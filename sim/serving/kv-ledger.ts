import type { Instance } from '../datacenter/index.js';
import { InvariantError } from '../engine/index.js';
import type { PrefixCache } from './prefix-cache.js';

/**
 * The KV memory of one instance, in tokens (docs/model.md, "KV ledger"). It owns the
 * sum and the invariant `used ≤ capacity`, checked on every change, and it is the one
 * caller of `Instance.setKvUsed`. Its owner (the instance's prefill batcher, decode
 * batcher or colocated engine: resolve() gives an instance at most one of them with a
 * KV model) decides what to admit by asking `fits`; the ledger refuses nothing, it
 * throws when its owner got the arithmetic wrong.
 *
 * - resident: KV on the instance — prompts in prefill, prompts held for their
 *   hand-off, landed and decoding requests (with their growth).
 * - reserved: room promised to hand-offs in flight to it (they land into it).
 *
 * - cached (with a prefix cache, docs/model.md "Prefix caching"): blocks kept after
 *   their request let go of them, in the memory active requests do not use. Active
 *   requests always win: `fits` counts only resident + reserved, and a change that
 *   would push resident + reserved + cached over capacity first evicts cached blocks
 *   (least recently used). Blocks a running request reuses are pinned in the cache and
 *   counted in that request's resident tokens, not in `cached`. Invariant, checked on
 *   every change: resident + reserved + cached ≤ capacity.
 *
 * Seams, not built here:
 * - Autoscaler (issue 21): switching an instance off is `clear` (its KV is gone, as on
 *   a failure) while its owner stops taking work; switching it on needs nothing here.
 */
export class KvLedger {
  private resident_tokens = 0;
  private reserved_tokens = 0;

  constructor(
    private readonly instance: Instance,
    readonly capacity_tokens: number,
    /** The instance's device prefix cache; null without one. */
    readonly cache: PrefixCache | null = null,
    /** Its host-memory tier (blocks the device evicted), lost with the instance too; null without one. */
    readonly host: PrefixCache | null = null,
  ) {}

  /** KV tokens of cached blocks no running request uses (0 without a cache). */
  get cached(): number {
    return this.cache ? this.cache.freeTokens : 0;
  }

  /** KV tokens resident or reserved. */
  get used(): number {
    return this.resident_tokens + this.reserved_tokens;
  }

  get reserved(): number {
    return this.reserved_tokens;
  }

  /** Room for `tokens` more without breaking the capacity. */
  fits(tokens: number): boolean {
    return this.resident_tokens + this.reserved_tokens + tokens <= this.capacity_tokens;
  }

  /** KV that is now on the instance: a prompt starts prefill, an evicted request is readmitted. */
  hold(tokens: number): void {
    this.change(tokens, 0);
  }

  /** Decode steps appended `tokens` tokens of KV. */
  grow(tokens: number): void {
    this.change(tokens, 0);
  }

  /** KV leaves: a request finished, was evicted, or its hand-off took its prompt away. */
  release(tokens: number): void {
    this.change(-tokens, 0);
  }

  /** Promise room to a hand-off before its transfer starts. */
  reserve(tokens: number): void {
    this.change(0, tokens);
  }

  /** A reserved hand-off arrived: its room becomes resident KV. */
  land(tokens: number): void {
    this.change(tokens, -tokens);
  }

  /** A reserved hand-off was stopped before it arrived. */
  unreserve(tokens: number): void {
    this.change(0, -tokens);
  }

  /**
   * A prompt that reuses its first `blocks` cached blocks starts: they are pinned (no
   * eviction takes them while it runs), then its whole context is held. Pinning first
   * keeps the room `hold` makes by eviction from taking the blocks it reuses.
   */
  holdWithPrefix(tokens: number, blockIds: readonly number[], blocks: number): void {
    if (blocks > 0 && this.cache) {
      // Blocks loaded from a lower tier join the device cache (no eviction runs between
      // this and the pinning: the device tier has no fixed capacity, the ledger evicts).
      this.cache.insert(blockIds, blocks);
      this.cache.acquire(blockIds, blocks);
    }
    this.change(tokens, 0);
  }

  /**
   * A prompt's KV leaves and its first `count` full blocks stay cached: the `acquired`
   * it reused are unpinned, the rest added. The blocks it leaves are at most the tokens
   * it frees, so this never evicts; the invariant is checked all the same.
   */
  releaseIntoCache(tokens: number, blockIds: readonly number[], count: number, acquired: number): void {
    this.resident_tokens -= tokens;
    this.cache?.release(blockIds, count, acquired);
    this.change(0, 0);
  }

  /** The instance failed: every token of KV on it, every promise and every cached block, is gone. */
  clear(): void {
    this.resident_tokens = 0;
    this.reserved_tokens = 0;
    this.cache?.clear();
    this.host?.clear();
  }

  /**
   * Record the KV in use at `now` (the node table's `kv_used_frac`). Owners record at
   * their scheduling points, as before the ledger: a change between two of them lasts
   * no simulated time. `growthInFlight`: tokens a fast-forwarded decode run has
   * appended by `now` that the ledger gets only when the run ends (one `grow` per run,
   * not one per step).
   */
  record(now: number, growthInFlight = 0): void {
    this.instance.setKvUsed(now, this.resident_tokens + this.reserved_tokens + growthInFlight);
    if (this.cache) this.instance.setKvCached(now, this.cache.freeTokens);
  }

  private change(resident: number, reserved: number): void {
    const r = (this.resident_tokens += resident);
    const q = (this.reserved_tokens += reserved);
    const cache = this.cache;
    // Active KV always wins: cached blocks make room first (none when the cache is off).
    if (cache && r + q + cache.freeTokens > this.capacity_tokens)
      cache.evict(r + q + cache.freeTokens - this.capacity_tokens);
    const c = this.cached;
    if (r + q + c > this.capacity_tokens || r < 0 || q < 0) {
      throw new InvariantError(
        `KV ledger of ${this.instance.name}: ${r} resident + ${q} reserved` +
          `${cache ? ` + ${c} cached` : ''} tokens against a capacity of ${this.capacity_tokens}`,
      );
    }
  }
}
