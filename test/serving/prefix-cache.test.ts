// The prefix cache against computations written here without it: the offline ideal
// over the Mooncake conversation trace's block stream (a cache that never evicts must
// reach it), and a plain array LRU with vLLM's within-request order (a small cache fed
// one request at a time must equal it request by request).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PrefixCache, tieredMatch } from '../../sim/serving/prefix-cache.js';

const tracePath = new URL('../../traces/mooncake_conversation_trace.jsonl.gz', import.meta.url);

/** Each request's hash_ids, in trace order, parsed here (not with the project's reader). */
function traceBlocks(): number[][] {
  const text = gunzipSync(readFileSync(tracePath)).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { hash_ids: number[] }).hash_ids);
}

/** A hit: the leading run of `ids` present in `has`. */
function leadingRun(ids: number[], has: (id: number) => boolean): number {
  let i = 0;
  while (i < ids.length && has(ids[i]!)) i++;
  return i;
}

/**
 * A plain LRU over blocks: an array, least recently used first. A request's blocks are
 * moved to the end last block first (so its first block is the most recent), then the
 * front is dropped down to the capacity.
 */
class ArrayLru {
  order: number[] = [];
  constructor(readonly capacity: number) {}
  hit(ids: number[]): number {
    return leadingRun(ids, (id) => this.order.includes(id));
  }
  use(ids: number[]): void {
    for (const id of [...ids].reverse()) {
      const at = this.order.indexOf(id);
      if (at >= 0) this.order.splice(at, 1);
      this.order.push(id);
    }
    while (this.order.length > this.capacity) this.order.shift();
  }
}

describe('prefix cache', () => {
  const requests = traceBlocks();

  it('never evicting, reaches the offline ideal over the Mooncake conversation trace', () => {
    const seen = new Set<number>();
    const cache = new PrefixCache(512);
    let ideal = 0;
    let total = 0;
    for (const ids of requests) {
      const best = leadingRun(ids, (id) => seen.has(id));
      for (const id of ids) seen.add(id);
      const got = cache.match(ids);
      cache.insert(ids);
      expect(got).toBe(best);
      ideal += best;
      total += ids.length;
    }
    expect(requests.length).toBe(12031);
    expect(cache.blocks).toBe(seen.size);
    // The trace does repeat (most turns resend their history): a real hit rate, not 0.
    expect(ideal / total).toBeGreaterThan(0.2);
  });

  it.each([16, 200, 3000])(
    'with room for %i blocks, one request at a time, equals a plain LRU request by request',
    (capacity) => {
      const cache = new PrefixCache(512, capacity);
      const lru = new ArrayLru(capacity);
      let hits = 0;
      // The first 1,500 requests: the array LRU is O(n) a block.
      for (const ids of requests.slice(0, 1500)) {
        const want = lru.hit(ids);
        expect(cache.match(ids)).toBe(want);
        hits += want;
        lru.use(ids);
        cache.insert(ids);
        expect(cache.blocks).toBe(lru.order.length);
      }
      expect(hits).toBeGreaterThan(0);
      for (const id of lru.order) expect(cache.has(id)).toBe(true);
    },
  );

  it("evicts a request's later blocks before its earlier ones, and older requests before newer", () => {
    const evicted: number[] = [];
    const cache = new PrefixCache(4, Infinity, (id) => evicted.push(id));
    cache.insert([1, 2, 3]);
    cache.insert([7, 8]);
    cache.insert([1, 2]); // touches the shared head again: now the most recent
    expect(cache.evict(5)).toBe(8); // 5 tokens need 2 blocks of 4
    expect(evicted).toEqual([3, 8]);
    cache.evictBlocks(10);
    expect(evicted).toEqual([3, 8, 7, 2, 1]);
    expect(cache.blocks).toBe(0);
    expect(cache.evict(4)).toBe(0);
  });

  it('never evicts blocks a request holds; they return to the LRU when it releases them', () => {
    const cache = new PrefixCache(16);
    cache.insert([1, 2, 3, 4]);
    expect(cache.match([1, 2, 9, 4])).toBe(2);
    cache.acquire([1, 2], 2);
    expect(cache.freeBlocks).toBe(2);
    expect(cache.evict(1000)).toBe(32); // blocks 3 and 4 only
    expect(cache.has(1) && cache.has(2)).toBe(true);
    // The request computed blocks 9 and 10 after its two cached ones.
    cache.release([1, 2, 9, 10], 4, 2);
    expect(cache.blocks).toBe(4);
    expect(cache.freeTokens).toBe(64);
    expect(() => cache.release([1], 1, 1)).toThrow(/not acquired/);
    expect(() => cache.acquire([5], 1)).toThrow(/not held/);
  });

  it('demotes evicted blocks to a lower tier, and reports which tier serves each leading block', () => {
    const host = new PrefixCache(512, 3);
    const device = new PrefixCache(512, 2, (id) => host.insert([id]));
    device.insert([10, 11, 12, 13]); // keeps 10 and 11; 13 then 12 go to the host
    const store = new PrefixCache(512, 100);
    store.insert([10, 11, 12, 13, 14]);
    const out = new Uint8Array(8);
    expect(tieredMatch([device, host, store], [10, 11, 12, 13, 14, 15, 16], out)).toBe(5);
    expect([...out.subarray(0, 5)]).toEqual([0, 0, 1, 1, 2]);
    expect(tieredMatch([device, host], [12, 10, 14], out)).toBe(2);
    expect([...out.subarray(0, 2)]).toEqual([1, 0]);
  });
});
