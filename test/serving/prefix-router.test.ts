// The prefix-aware router: Dynamo's cost (overlap weight × blocks to prefill + blocks
// of work queued) as a pure function, and the choice with its tie-breaks.
import { describe, expect, it } from 'vitest';
import { prefixAwareCost, prefixAwareRouter } from '../../sim/serving/prefix-router.js';
import type { RoutingTarget } from '../../sim/serving/phase-server.js';

interface Fake extends RoutingTarget {
  name: string;
}

/** A target whose cache holds the prompt's first `matched` blocks, with `work` prompt tokens outstanding. */
function target(name: string, matched: number, work: number): Fake {
  return {
    name,
    instance: null as never,
    inSystem: 0,
    outstandingTokens: work,
    prefixMatch: (ids, promptTokens) => Math.min(matched, ids.length, Math.floor(promptTokens / 512)),
  };
}

const request = (promptTokens: number, blocks = Math.ceil(promptTokens / 512)) => ({
  id: 0,
  arrival_s: 0,
  promptTokens,
  prefillInstance: null,
  prefixBlocks: Array.from({ length: blocks }, (_, i) => i),
});

describe('prefixAwareCost', () => {
  it(
    'is weight × uncached prompt blocks + outstanding blocks (Dynamo: ' +
      'overlap_score_weight × prefill_blocks + decode_blocks)',
    () => {
      // 4096-token prompt, 3 of its 8 blocks cached, 1024 tokens queued: 1 × 5 + 2 = 7 blocks.
      expect(prefixAwareCost(4096, 3, 1024, 512, 1)).toBe(7);
      // Weight 2 doubles the prefill part only: 2 × 5 + 2 = 12.
      expect(prefixAwareCost(4096, 3, 1024, 512, 2)).toBe(12);
      // Weight 0: load only.
      expect(prefixAwareCost(4096, 8, 1024, 512, 0)).toBe(2);
      // A partial last block counts by its tokens: 1000 tokens, 1 block (512) cached → 488/512.
      expect(prefixAwareCost(1000, 1, 0, 512, 1)).toBeCloseTo(488 / 512, 12);
    },
  );
});

describe('prefixAwareRouter', () => {
  const pick = (targets: Fake[], promptTokens: number, weight = 1, u = 0) =>
    prefixAwareRouter(512, weight, () => u).choose(request(promptTokens), targets).name;

  it('weighs reuse against load: the cached instance wins until its queue outweighs the blocks it saves', () => {
    // 8 blocks; A holds 6 (prefill 2) with 2048 queued (4 blocks): 6; B holds none, idle: 8.
    expect(pick([target('A', 6, 2048), target('B', 0, 0)], 4096)).toBe('A');
    // A's queue grows to 4096 (8 blocks): 10 against 8 — B wins.
    expect(pick([target('A', 6, 4096), target('B', 0, 0)], 4096)).toBe('B');
    // With weight 3 reuse counts more: A 3·2 + 8 = 14, B 3·8 = 24 — A again.
    expect(pick([target('A', 6, 4096), target('B', 0, 0)], 4096, 3)).toBe('A');
  });

  it('ties on cost go to the instance with more matched blocks, then at random (one draw, ⌊u·ties⌋)', () => {
    // A: 2 cached, 1024 queued → 6 + 2 = 8; B: 0 cached, idle → 8; equal cost, A has reuse.
    expect(pick([target('B', 0, 0), target('A', 2, 1024)], 4096)).toBe('A');
    const idle = [target('A', 0, 0), target('B', 0, 0), target('C', 0, 0)];
    expect(pick(idle, 4096, 1, 0)).toBe('A');
    expect(pick(idle, 4096, 1, 0.5)).toBe('B');
    expect(pick(idle, 4096, 1, 0.99)).toBe('C');
  });

  it('a prompt without block ids (no reuse to find) goes to the least outstanding work', () => {
    const r = { id: 0, arrival_s: 0, promptTokens: 4096, prefillInstance: null };
    const router = prefixAwareRouter(512, 1, () => 0);
    expect(router.choose(r, [target('A', 8, 2048), target('B', 0, 512)]).name).toBe('B');
  });
});
