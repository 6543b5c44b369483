// I3 with a prefix cache: resident + reserved + cached ≤ capacity on every change, and
// active requests always win: cached blocks are evicted (LRU) for them, never refused.
import { describe, expect, it } from 'vitest';
import { Instance } from '../../sim/datacenter/index.js';
import type { InstanceSpec } from '../../sim/scenario/resolved.js';
import { KvLedger } from '../../sim/serving/kv-ledger.js';
import { PrefixCache } from '../../sim/serving/prefix-cache.js';

function ledger(capacity: number, blockTokens = 10): { kv: KvLedger; cache: PrefixCache } {
  const inst = new Instance(
    { index: 0, name: 'p0', rack: 'r' } as unknown as InstanceSpec,
    { window_s: 10, measureFrom_s: 0, measureTo_s: Infinity },
    capacity,
  );
  const cache = new PrefixCache(blockTokens);
  return { kv: new KvLedger(inst, capacity, cache), cache };
}

describe('I3 with a prefix cache: the KV ledger', () => {
  it('a released prompt leaves its full blocks cached; room for active requests is counted without them', () => {
    const { kv, cache } = ledger(100);
    kv.holdWithPrefix(45, [1, 2, 3, 4, 5], 0);
    kv.releaseIntoCache(45, [1, 2, 3, 4, 5], 4, 0); // 4 full blocks of 10 tokens
    expect([kv.used, kv.cached, cache.blocks]).toEqual([0, 40, 4]);
    // The cached 40 tokens do not count against a new request: all 100 fit.
    expect(kv.fits(100)).toBe(true);
  });

  it('a request needing the room evicts cached blocks least recently used first, tail of a chain first', () => {
    const { kv, cache } = ledger(100);
    kv.holdWithPrefix(30, [1, 2, 3], 0);
    kv.releaseIntoCache(30, [1, 2, 3], 3, 0);
    kv.holdWithPrefix(30, [7, 8, 9], 0);
    kv.releaseIntoCache(30, [7, 8, 9], 3, 0);
    expect(kv.cached).toBe(60);
    // 55 active tokens: 55 + 60 > 100, so 15 tokens (2 blocks) go: the older chain's tail 3, then 2.
    kv.hold(55);
    expect([kv.used, kv.cached]).toEqual([55, 40]);
    expect([1, 2, 3, 7, 8, 9].map((b) => cache.has(b))).toEqual([true, false, false, true, true, true]);
    expect(kv.used + kv.cached).toBeLessThanOrEqual(100);
    // The whole capacity for active KV: every cached block goes, none is refused.
    kv.hold(45);
    expect([kv.used, kv.cached, cache.blocks]).toEqual([100, 0, 0]);
  });

  it('blocks a running request reuses are pinned: eviction for another request cannot take them', () => {
    const { kv, cache } = ledger(100);
    kv.holdWithPrefix(30, [1, 2, 3], 0);
    kv.releaseIntoCache(30, [1, 2, 3], 3, 0);
    // A prompt of 35 tokens reuses blocks 1 and 2 (pinned, counted in its resident 35).
    kv.holdWithPrefix(35, [1, 2, 4], 2);
    expect([kv.used, kv.cached]).toEqual([35, 10]);
    kv.hold(65); // evicts block 3, the only free one
    expect([cache.has(1), cache.has(2), cache.has(3)]).toEqual([true, true, false]);
    kv.release(65);
    kv.releaseIntoCache(35, [1, 2, 4], 3, 2);
    expect([kv.used, kv.cached, cache.freeBlocks]).toEqual([0, 30, 3]);
  });

  it('a failure clears active KV and every cached block', () => {
    const { kv, cache } = ledger(100);
    kv.holdWithPrefix(30, [1, 2, 3], 0);
    kv.releaseIntoCache(30, [1, 2, 3], 3, 0);
    kv.hold(20);
    kv.clear();
    expect([kv.used, kv.cached, cache.blocks]).toEqual([0, 0, 0]);
  });
});
