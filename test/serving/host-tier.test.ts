// The host-memory tier: what the device evicts is kept (LRU within host_gb), a hit
// found there is loaded at the stated PCIe bandwidth (a hand-computed case).
import { describe, expect, it } from 'vitest';
import { checkScenario } from '../../sim/index.js';
import { HostTier, tieredHit } from '../../sim/serving/host-tier.js';
import { PrefixCache } from '../../sim/serving/prefix-cache.js';

function trn2() {
  const s = checkScenario({
    name: 'host',
    duration_s: 10,
    model: 'llama-3.1-70b',
    datacenter: { racks: [{ name: 'r', nodes: [{ hardware: 'trn2.48xlarge', count: 1, role: 'mixed' }] }] },
    workload: {
      arrivals: { process: 'poisson', rate_per_s: 1 },
      prompt_tokens: { dist: 'constant', value: 100 },
      output_tokens: { dist: 'constant', value: 10 },
    },
  });
  return s.instances[0]?.deployment as NonNullable<(typeof s.instances)[0]['deployment']>;
}

describe('host tier', () => {
  it('loads 3 blocks of Llama 3.1 70B KV onto a trn2.48xlarge in 3 × 512 × 327,680 B ÷ (16 × 50 GB/s) = 629 µs', () => {
    const d = trn2();
    expect(d.devices).toBe(16);
    const host = new HostTier(512, 100, 50, d);
    // 2 (K and V) × 80 layers × 8 KV heads × 128 dims × 2 bytes = 327,680 bytes a token.
    expect(host.loadSeconds(3)).toBeCloseTo((3 * 512 * 327_680) / (16 * 50e9), 15);
    expect(host.loadSeconds(3)).toBeCloseTo(6.2915e-4, 8);
    expect(host.loadSeconds(0)).toBe(0);
    // 100 GB holds ⌊100e9 ÷ (512 × 327,680)⌋ = 596 blocks.
    expect(host.cache.capacityBlocks).toBe(596);
  });

  it('keeps what the device evicts, LRU within its capacity; a hit runs over both tiers', () => {
    const host = new HostTier(512, 0.51, 50, trn2()); // room for 3 blocks (0.5033 GB)
    expect(host.cache.capacityBlocks).toBe(3);
    const device = new PrefixCache(512, Infinity, host.demote);
    device.insert([1, 2, 3, 4, 5]);
    // Evict 4 blocks: the chain's tail first (5, 4, 3, 2); the host, room for 3, drops 5, its LRU.
    device.evictBlocks(4);
    expect([1, 2, 3, 4, 5].map((b) => [device.has(b), host.cache.has(b)])).toEqual([
      [true, false],
      [false, true],
      [false, true],
      [false, true],
      [false, false],
    ]);
    expect(tieredHit(device, host.cache, [1, 2, 3], 3)).toEqual({ blocks: 3, hostBlocks: 2, storeBlocks: 0 });
    expect(tieredHit(device, host.cache, [1, 2, 5, 3], 4)).toEqual({ blocks: 2, hostBlocks: 1, storeBlocks: 0 });
    expect(tieredHit(device, host.cache, [1, 2, 3], 1)).toEqual({ blocks: 1, hostBlocks: 0, storeBlocks: 0 });
    // A store behind both: block 5 (dropped by the host) is found there, block 9 nowhere.
    const store = new PrefixCache(512);
    store.insert([5]);
    expect(tieredHit(device, host.cache, [1, 2, 5, 3, 9], 5, store)).toEqual({
      blocks: 4,
      hostBlocks: 2,
      storeBlocks: 1,
    });
    expect(tieredHit(device, null, [1, 3], 2)).toEqual({ blocks: 1, hostBlocks: 0, storeBlocks: 0 });
  });
});
