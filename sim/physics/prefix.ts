// A prefill whose prompt starts with a cached prefix (prefix caching): the sums the
// batch timer and work model take (timing.ts, work.ts) for the uncached suffix. Pure.

/** The four sums of BatchTimer.prefillSeconds / WorkModel.prefill over a batch. */
export interface PrefillSums {
  /** Σ S: prompt tokens computed (the uncached suffixes). */
  tokens: number;
  /** Σ S². */
  sumSquaredTokens: number;
  /** Σ S·C: pairs of a suffix's queries with its cached keys. */
  prefixPairs: number;
  /** Σ C: cached KV tokens the pass reads. */
  prefixTokens: number;
}

/**
 * The cached tokens a prefill may skip: at most all but one of the prompt. The last
 * prompt token is always computed because its logits give the first output token
 * (vLLM recomputes it on a full hit: docs.vllm.ai/en/latest/design/prefix_caching/,
 * and the rule "at least one prompt token is always computed").
 */
export function usableCachedTokens(promptTokens: number, cachedTokens: number): number {
  return Math.max(0, Math.min(cachedTokens, promptTokens - 1));
}

/**
 * Adds one prompt of `promptTokens` with `cachedTokens` already in KV to `sums`. The
 * suffix S = L − C attends causally to itself (S²/2 pairs, the same L²/2 the
 * uncached prefill charges, so C = 0 adds exactly what it did before) and every
 * suffix query attends all C cached keys (S·C pairs); the pass writes S KV tokens and
 * reads C.
 */
export function addPrefill(sums: PrefillSums, promptTokens: number, cachedTokens: number): void {
  const c = usableCachedTokens(promptTokens, cachedTokens);
  const s = promptTokens - c;
  sums.tokens += s;
  sums.sumSquaredTokens += s * s;
  sums.prefixPairs += s * c;
  sums.prefixTokens += c;
}

/** The sums of a single prompt. */
export function prefillSums(promptTokens: number, cachedTokens: number): PrefillSums {
  const sums = { tokens: 0, sumSquaredTokens: 0, prefixPairs: 0, prefixTokens: 0 };
  addPrefill(sums, promptTokens, cachedTokens);
  return sums;
}
