// One instance's prefix cache as its server uses it: which cached blocks each of its
// requests reuses, the host tier's loads, and what goes back into the cache when a
// request lets go of its KV (docs/model.md, Prefix caching). The prefill batcher and
// the colocated engine call it; the KV ledger owns the memory.
import type { Instance } from '../datacenter/index.js';
import { usableCachedTokens } from '../physics/prefix.js';
import { type HostTier, tieredHit } from './host-tier.js';
import type { KvLedger } from './kv-ledger.js';
import type { PrefixCache } from './prefix-cache.js';
import type { Request } from './request.js';
import type { StoreTier } from './store-tier.js';

export class InstancePrefix {
  /** Cached blocks each request on the instance reuses (pinned until its KV leaves). */
  private readonly reused = new Map<Request, number>();
  /** Seconds of host-to-device loads for prompts started since the last pass began. */
  private load_s = 0;
  /** Blocks the last `hold` found only in the datacenter store: its server fetches them before the pass. */
  fetchBlocks = 0;

  /**
   * @param keepsReplies a mixed instance computes the reply's KV too, and keeps its
   *   blocks at completion; a prefill instance hands the prompt off and has no reply.
   */
  constructor(
    private readonly kv: KvLedger,
    private readonly cache: PrefixCache,
    private readonly host: HostTier | null,
    private readonly instance: Instance,
    private readonly keepsReplies: boolean,
    /** The datacenter store, shared by every instance; null without one. */
    readonly store: StoreTier | null = null,
  ) {}

  /**
   * Leading full prompt blocks this instance holds, on its device or in its host
   * memory: what `prefix-aware` reads. The datacenter store is left out: every
   * instance could fetch from it, so it does not tell instances apart (Dynamo credits
   * device, host and shared-cache hits separately; here the shared one gets none).
   */
  match(blockIds: readonly number[], promptTokens: number): number {
    const full = Math.floor(promptTokens / this.cache.blockTokens);
    if (!this.host) return this.cache.match(blockIds, full);
    return tieredHit(this.cache, this.host.cache, blockIds, full).blocks;
  }

  /** Prompt tokens a prefill starting now would skip, store hits included (at most all but one). */
  cachedTokens(r: Request): number {
    const ids = r.prefixBlocks;
    if (!ids) return 0;
    const full = Math.floor(r.promptTokens / this.cache.blockTokens);
    const store = this.store?.cache ?? null;
    const blocks = tieredHit(this.cache, this.host?.cache ?? null, ids, full, store).blocks;
    return usableCachedTokens(r.promptTokens, blocks * this.cache.blockTokens);
  }

  /**
   * The prompt starts: blocks only the host holds are loaded (their time goes to the
   * next pass), its hit pinned, its context held. Returns the tokens its prefill skips.
   */
  hold(r: Request, contextTokens: number, now: number): number {
    const ids = r.prefixBlocks;
    const B = this.cache.blockTokens;
    const full = Math.floor(r.promptTokens / B);
    const store = this.store?.cache ?? null;
    const hit = ids ? tieredHit(this.cache, this.host?.cache ?? null, ids, full, store) : NO_HIT;
    this.kv.holdWithPrefix(contextTokens, ids ?? [], hit.blocks);
    this.reused.set(r, hit.blocks);
    r.cachedPromptTokens = usableCachedTokens(r.promptTokens, hit.blocks * B);
    r.cachedHostTokens = Math.min(hit.hostBlocks * B, r.cachedPromptTokens);
    r.cachedStoreTokens = Math.min(hit.storeBlocks * B, r.cachedPromptTokens - r.cachedHostTokens);
    this.fetchBlocks = hit.storeBlocks;
    if (this.host) this.load_s += this.host.loadSeconds(hit.hostBlocks);
    this.instance.prefixLookup(now, r.promptTokens, r.cachedPromptTokens);
    return r.cachedPromptTokens;
  }

  /** Host loads of the prompts started since the last call (added to the pass that computes them). */
  takeLoadSeconds(): number {
    const s = this.load_s;
    this.load_s = 0;
    return s;
  }

  /**
   * The request's KV left the ledger (`freedTokens` of it here; 0 when the decode
   * batch already released it): its prompt's full blocks, and on a mixed instance its
   * reply's (sessions), stay cached as the next turn's prefix; the blocks it reused are unpinned.
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
    const out = this.keepsReplies ? r.outputBlocks : undefined;
    const chain = out && out.length > 0 ? ids.slice(0, full).concat(out) : ids;
    const count = out && out.length > 0 ? chain.length : full;
    this.kv.releaseIntoCache(freedTokens, chain, count, acquired);
    // The datacenter store keeps what any instance computed (write-through; the puts'
    // traffic is not modelled, **assumption**: off the requests' critical path).
    this.store?.cache.insert(chain, count);
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

  /**
   * The instance failed: its memory, device and host caches included, is gone (**assumption** for host DRAM: the
   * machine failed); the datacenter store is not.
   */
  clear(): void {
    this.reused.clear();
    this.load_s = 0;
    this.fetchBlocks = 0;
    this.cache.clear();
    this.host?.cache.clear();
  }
}

const NO_HIT = { blocks: 0, hostBlocks: 0, storeBlocks: 0 } as const;
