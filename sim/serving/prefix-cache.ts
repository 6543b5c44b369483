// A prefix cache of KV blocks: which blocks one tier holds, which are in use, and which
// to evict. Pure bookkeeping (no time, no bytes): the serving core decides when to
// look up, keep and evict, and charges the time (docs/model.md, Prefix caching).
import { InvariantError } from '../engine/index.js';

/**
 * The KV blocks one tier holds (an instance's device memory, its host memory, or the
 * datacenter store), keyed by block id: equal ids mean an identical prefix up to and
 * including that block (Mooncake's `hash_ids`; sessions' ids, sim/workload/sessions.ts).
 *
 * A block is either in use (pinned by `acquire`, one count per request using it, never
 * evicted) or free (cached, evictable). Free blocks are evicted least recently used
 * first, and within one request's chain its later blocks before its earlier ones: a
 * request's blocks are released onto the LRU tail in reverse order. That is vLLM's
 * rule: "the freed blocks are added to the tail of the free queue in the *reverse*
 * order. This is because the last block of a request must hash more tokens and is less
 * likely to be reused by other requests. As a result, it should be evicted first."
 * (docs.vllm.ai/en/latest/design/prefix_caching/, "Free"; vLLM v1's KVCacheManager,
 * github.com/vllm-project/vllm/blob/main/docs/design/prefix_caching.md).
 *
 * Every operation is O(1) per block: `refs` holds every block's use count; `free` is
 * the LRU order of the blocks with count 0 (a Set keeps insertion order, and delete +
 * add moves a block to the tail). `match` allocates nothing.
 */
export class PrefixCache {
  /** Use count of every block held (0: cached and evictable). */
  private readonly refs = new Map<number, number>();
  /** The free blocks, least recently used first. */
  private readonly free = new Set<number>();

  /**
   * @param blockTokens tokens per block.
   * @param capacityBlocks most blocks the tier holds, in use or free (a lower tier's
   *   fixed size). Infinity for a device tier, whose room the caller frees with `evict`
   *   as active requests need it.
   * @param onEvict hears each evicted block, e.g. to demote it to a lower tier.
   */
  constructor(
    readonly blockTokens: number,
    readonly capacityBlocks: number = Infinity,
    private readonly onEvict?: (blockId: number) => void,
  ) {
    if (!(blockTokens >= 1) || !Number.isInteger(blockTokens))
      throw new InvariantError(`prefix cache block_tokens ${blockTokens}`);
    if (!(capacityBlocks >= 0)) throw new InvariantError(`prefix cache capacity ${capacityBlocks} blocks`);
  }

  /** Blocks held, in use or free. */
  get blocks(): number {
    return this.refs.size;
  }

  /** Blocks held that no request uses (the cache proper: evictable). */
  get freeBlocks(): number {
    return this.free.size;
  }

  /** Tokens of KV the tier holds (blocks × block_tokens). */
  get tokens(): number {
    return this.refs.size * this.blockTokens;
  }

  /** Tokens of KV held by blocks no request uses. */
  get freeTokens(): number {
    return this.free.size * this.blockTokens;
  }

  has(blockId: number): boolean {
    return this.refs.has(blockId);
  }

  /**
   * How many leading blocks of `blockIds[0..limit)` the tier holds: a hit covers the
   * longest run of leading blocks present (a block past a missing one cannot be used:
   * its KV was computed on top of the missing one's). Touches nothing.
   */
  match(blockIds: ArrayLike<number>, limit: number = blockIds.length): number {
    const n = Math.min(limit, blockIds.length);
    let i = 0;
    while (i < n && this.refs.has(blockIds[i] as number)) i++;
    return i;
  }

  /**
   * A request starts using its first `count` blocks, all held (a hit `match` found):
   * they leave the free list, so no eviction takes them while the request runs.
   */
  acquire(blockIds: ArrayLike<number>, count: number): void {
    for (let i = 0; i < count; i++) {
      const id = blockIds[i] as number;
      const r = this.refs.get(id);
      if (r === undefined) throw new InvariantError(`prefix cache: acquire of block ${id}, which is not held`);
      if (r === 0) this.free.delete(id);
      this.refs.set(id, r + 1);
    }
  }

  /**
   * A request is done with its blocks: its first `acquired` blocks (those it
   * `acquire`d) drop a use, the rest of `blockIds[0..count)` are added as computed by
   * it (or touched, when another request added them meanwhile). Every block left
   * unused moves to the LRU tail, last block first, so that the chain's tail is
   * evicted before its head (vLLM's order, above). Then the tier evicts down to its
   * capacity. Returns the blocks evicted.
   */
  release(blockIds: ArrayLike<number>, count: number = blockIds.length, acquired = 0): number {
    const n = Math.min(count, blockIds.length);
    for (let i = n - 1; i >= 0; i--) {
      const id = blockIds[i] as number;
      const r = this.refs.get(id);
      let left: number;
      if (i < acquired) {
        if (r === undefined || r === 0)
          throw new InvariantError(`prefix cache: release of block ${id}, which was not acquired`);
        left = r - 1;
      } else {
        left = r ?? 0;
      }
      this.refs.set(id, left);
      if (left === 0) {
        this.free.delete(id);
        this.free.add(id);
      }
    }
    return this.refs.size > this.capacityBlocks ? this.evictBlocks(this.refs.size - this.capacityBlocks) : 0;
  }

  /** Adds or touches blocks no request holds (`release` with nothing acquired). */
  insert(blockIds: ArrayLike<number>, count: number = blockIds.length): number {
    return this.release(blockIds, count, 0);
  }

  /**
   * Evicts free blocks, least recently used first, until `tokens` tokens are freed or
   * no free block is left. Returns the tokens freed (whole blocks: may exceed `tokens`).
   */
  evict(tokens: number): number {
    return this.evictBlocks(Math.ceil(tokens / this.blockTokens)) * this.blockTokens;
  }

  /** Every block is gone, in use or not (the instance failed: its memory is lost). */
  clear(): void {
    this.refs.clear();
    this.free.clear();
  }

  /** Evicts up to `n` free blocks, least recently used first; returns how many. */
  evictBlocks(n: number): number {
    let done = 0;
    if (n <= 0) return 0;
    for (const id of this.free) {
      this.free.delete(id);
      this.refs.delete(id);
      done++;
      this.onEvict?.(id);
      if (done >= n) break;
    }
    return done;
  }
}

/**
 * Where each leading block of a prompt is found, over tiers tried in order (device,
 * host memory, datacenter store): `out[i]` = the index of the first tier holding block
 * i. Returns the length of the leading run found in some tier; a block in no tier ends
 * it. Allocates nothing (the caller owns `out`).
 */
export function tieredMatch(
  tiers: readonly PrefixCache[],
  blockIds: ArrayLike<number>,
  out: Uint8Array,
  limit: number = blockIds.length,
): number {
  const n = Math.min(limit, blockIds.length, out.length);
  let i = 0;
  outer: for (; i < n; i++) {
    const id = blockIds[i] as number;
    for (let t = 0; t < tiers.length; t++) {
      if ((tiers[t] as PrefixCache).has(id)) {
        out[i] = t;
        continue outer;
      }
    }
    break;
  }
  return i;
}
