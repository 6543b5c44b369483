// The `prefix-aware` router: NVIDIA Dynamo's KV router cost on this simulator's
// instances (docs/model.md, "Prefix caching", Routing).
import type { Source } from '../engine/index.js';
import type { RoutableRequest } from './request.js';
import type { Router } from './routers.js';
import type { RoutingTarget } from './phase-server.js';

/**
 * Dynamo's cost of sending a prompt to one instance, in blocks: `overlapWeight` ×
 * blocks it would prefill there (its prompt less the leading blocks the instance's
 * cache holds) + blocks of work the instance already has. Lower is better.
 * "cost = overlap_score_weight * prefill_blocks + decode_blocks; Lower costs indicate
 * better routing choices" (docs.nvidia.com/dynamo/latest/components/router/routing-concepts,
 * "Cost Calculation"; weight `--router-kv-overlap-score-weight`, default 1.0). Dynamo's
 * decode blocks count the worker's active sequences plus the incoming prompt; the
 * incoming prompt adds the same to every instance, so it is left out. Here the load is
 * the prompt tokens queued at or in service on the instance (what the other routers
 * see, `outstandingTokens`) ÷ block size: on a prefill instance that is its active KV
 * in the making. llm-d's scheduler does the same with scorers (a prefix-cache scorer
 * and a load scorer, weighted, llm-d.ai/docs/0.8/architecture/core/router/epp/scheduling).
 * Pure: reads the prompt's length and block match, never its output length.
 */
export function prefixAwareCost(
  promptTokens: number,
  matchedBlocks: number,
  outstandingTokens: number,
  blockTokens: number,
  overlapWeight: number,
): number {
  const prefillBlocks = Math.max(0, promptTokens - matchedBlocks * blockTokens) / blockTokens;
  return overlapWeight * prefillBlocks + outstandingTokens / blockTokens;
}

/**
 * The router: the instance with the lowest cost. Tie-breaks, in order: more matched
 * blocks (the same cost with more reuse leaves the cache warmer for the next turn), then
 * uniformly at random with one draw from the routing stream (⌊u·ties⌋), as the other
 * routers here. Dynamo at temperature 0 takes the lowest cost and does not document a
 * tie rule; the random draw keeps idle, empty instances from all going to the first.
 * A prompt without block ids (an Azure trace) matches nothing: least outstanding work.
 */
export function prefixAwareRouter(blockTokens: number, overlapWeight: number, source: Source): Router {
  let costs = new Float64Array(8);
  let matches = new Int32Array(8);
  return {
    choose<T extends RoutingTarget>(request: RoutableRequest, targets: readonly T[]): T {
      if (costs.length < targets.length) {
        costs = new Float64Array(targets.length * 2);
        matches = new Int32Array(targets.length * 2);
      }
      const ids = request.prefixBlocks;
      let best = Infinity;
      let bestMatch = -1;
      let ties = 0;
      for (let i = 0; i < targets.length; i++) {
        const t = targets[i] as T;
        const m = ids ? (t.prefixMatch?.(ids, request.promptTokens) ?? 0) : 0;
        const c = prefixAwareCost(request.promptTokens, m, t.outstandingTokens, blockTokens, overlapWeight);
        costs[i] = c;
        matches[i] = m;
        if (c < best || (c === best && m > bestMatch)) {
          best = c;
          bestMatch = m;
          ties = 1;
        } else if (c === best && m === bestMatch) ties++;
      }
      let k = ties > 1 ? Math.floor(source() * ties) : 0;
      for (let i = 0; i < targets.length; i++) {
        if (costs[i] === best && matches[i] === bestMatch && k-- === 0) return targets[i] as T;
      }
      return targets[0] as T;
    },
  };
}
