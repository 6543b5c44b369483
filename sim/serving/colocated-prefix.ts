// A mixed instance's prefix cache: which cached blocks each of its requests reuses,
// and what goes back into the cache when a request lets go of its KV (docs/model.md,
// Prefix caching). The colocated engine calls it; the KV ledger owns the memory.
import type { Instance } from '../datacenter/index.js';
import { usableCachedTokens } from '../physics/prefix.js';
import type { KvLedger } from './kv-ledger.js';
import type { PrefixCache } from './prefix-cache.js';
import type { Request } from './request.js';

export class ColocatedPrefix {
  /** Cached blocks each request on the instance reuses (pinned until its KV leaves). */
  private readonly reused = new Map<Request, number>();

  constructor(
    private readonly kv: KvLedger,
    private readonly cache: PrefixCache,
    private readonly instance: Instance,
  ) {}

  /** Leading full prompt blocks the cache holds. */
  match(blockIds: readonly number[], promptTokens: number): number {
    return this.cache.match(blockIds, Math.floor(promptTokens / this.cache.blockTokens));
  }

  /** Prompt tokens a prefill starting now would skip (at most all but one). */
  cachedTokens(r: Request): number {
    return r.prefixBlocks
      ? usableCachedTokens(r.promptTokens, this.match(r.prefixBlocks, r.promptTokens) * this.cache.blockTokens)
      : 0;
  }

  /** The prompt starts: pin its hit, hold its context. Returns the tokens its prefill skips. */
  hold(r: Request, contextTokens: number, now: number): number {
    const ids = r.prefixBlocks;
    const hit = ids ? this.match(ids, r.promptTokens) : 0;
    this.kv.holdWithPrefix(contextTokens, ids ?? [], hit);
    this.reused.set(r, hit);
    r.cachedPromptTokens = usableCachedTokens(r.promptTokens, hit * this.cache.blockTokens);
    this.instance.prefixLookup(now, r.promptTokens, r.cachedPromptTokens);
    return r.cachedPromptTokens;
  }

  /**
   * The request's KV left the ledger (`freedTokens` of it here; 0 when the decode
   * batch already released it): its prompt's full blocks, and its reply's
   * (sessions), stay cached as the next turn's prefix; the blocks it reused are unpinned.
   */
  keep(r: Request, freedTokens: number): void {
    const acquired = this.reused.get(r) ?? 0;
    this.reused.delete(r);
    const ids = r.prefixBlocks;
    if (!ids) {
      if (freedTokens > 0) this.kv.release(freedTokens);
      return;
    }
    const full = Math.min(ids.length, Math.floor(r.promptTokens / this.cache.blockTokens));
    const out = r.outputBlocks;
    const chain = out && out.length > 0 ? ids.slice(0, full).concat(out) : ids;
    this.kv.releaseIntoCache(freedTokens, chain, out && out.length > 0 ? chain.length : full, acquired);
  }

  /**
   * The request was evicted (its KV is gone; it recomputes its whole context when
   * readmitted, **choice**: the readmission does not look the cache up again): the
   * blocks it reused are unpinned and stay cached.
   */
  unpin(r: Request): void {
    const hit = this.reused.get(r) ?? 0;
    this.reused.delete(r);
    if (hit > 0 && r.prefixBlocks) this.kv.releaseIntoCache(0, r.prefixBlocks, hit, hit);
  }

  /** The instance failed: its memory, cache included, is gone (the ledger clears the cache). */
  clear(): void {
    this.reused.clear();
  }
}
