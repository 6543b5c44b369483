// The host-memory tier of an instance's prefix cache: blocks the device evicts are kept
// in host DRAM and loaded back over PCIe when a prompt reuses them (docs/model.md,
// Prefix caching). A block found there costs its transfer, not its recompute.
import { type Deployment, replicaKvBytesPerToken } from '../physics/index.js';
import { PrefixCache } from './prefix-cache.js';

export class HostTier {
  /** The blocks host memory holds, LRU within its capacity. */
  readonly cache: PrefixCache;
  private readonly bytesPerBlock: number;
  private readonly bytesPerSecond: number;
  private readonly one = [0];

  /**
   * @param hostGb host memory for cached KV, GB (10⁹ bytes).
   * @param gbytesPerSecond host-to-device bandwidth per device, GB/s (all the replica's
   *   devices load in parallel, each its shard of the KV).
   */
  constructor(blockTokens: number, hostGb: number, gbytesPerSecond: number, d: Deployment) {
    this.bytesPerBlock = blockTokens * replicaKvBytesPerToken(d);
    this.cache = new PrefixCache(blockTokens, Math.floor((hostGb * 1e9) / this.bytesPerBlock));
    this.bytesPerSecond = gbytesPerSecond * 1e9 * d.devices;
  }

  /** The device evicted a block: host memory keeps a copy (evicting its own LRU block when full). */
  readonly demote = (blockId: number): void => {
    this.one[0] = blockId;
    this.cache.insert(this.one, 1);
  };

  /**
   * Seconds to load `blocks` blocks from host memory to the device (**assumption**: before the pass, not overlapped
   * with it).
   */
  loadSeconds(blocks: number): number {
    return blocks === 0 ? 0 : (blocks * this.bytesPerBlock) / this.bytesPerSecond;
  }
}

/**
 * A prompt's hit over the device, host and store tiers: the leading run of its first
 * `limit` blocks held by any, how many of them only the host holds (to load over PCIe)
 * and how many neither the device nor the host (to fetch from the store).
 */
export function tieredHit(
  device: PrefixCache,
  host: PrefixCache | null,
  blockIds: readonly number[],
  limit: number,
  store: PrefixCache | null = null,
): { blocks: number; hostBlocks: number; storeBlocks: number } {
  const n = Math.min(limit, blockIds.length);
  let blocks = 0;
  let hostBlocks = 0;
  let storeBlocks = 0;
  for (; blocks < n; blocks++) {
    const id = blockIds[blocks] as number;
    if (device.has(id)) continue;
    if (host?.has(id)) hostBlocks++;
    else if (store?.has(id)) storeBlocks++;
    else break;
  }
  return { blocks, hostBlocks, storeBlocks };
}
