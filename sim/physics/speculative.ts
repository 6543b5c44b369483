// Speculative decoding: a small draft model proposes k tokens, the target verifies them
// in one pass. Pure functions; the step's cost is in timing.ts, the memory in
// deployment.ts. Formulas and sources: docs/physics.md, Speculative decoding.
import type { ModelArch } from './model.js';

/** A decode replica's speculative decoding: its draft, tokens proposed per step, acceptance. */
export interface Speculative {
  /** The draft model, on the same devices as the target (its own weights and KV). */
  draft: ModelArch;
  /** k: draft tokens proposed per verification step. */
  tokens: number;
  /** α: probability that the target accepts a draft token (i.i.d. per token). */
  acceptance: number;
}

/**
 * Largest k a scenario may ask for. Published deployments use 3–8 (the Neuron tutorials
 * 7, vLLM's examples 5); the expected gain saturates at 1/(1 − α) while each extra
 * token costs a draft pass and a verified position: at α = 0.9, k = 16 already yields
 * 8.33 of the limit's 10 tokens per step. A bound also keeps a step's transient
 * KV (k + 1 positions per sequence) small beside a batch's contexts.
 */
export const MAX_SPECULATIVE_TOKENS = 16;

/**
 * Expected tokens a verification step emits per sequence: the accepted prefix of the k
 * draft tokens plus the target's own token at the first rejection (or after all k).
 * With acceptance α i.i.d. per token, E = Σ_{i=0..k} α^i = (1 − α^(k+1)) / (1 − α)
 * (Leviathan, Kalman & Matias, "Fast Inference from Transformers via Speculative
 * Decoding", ICML 2023, arXiv:2211.17192: the expected tokens per run of the
 * draft). Summed rather than divided so that
 * α = 1 gives k + 1 exactly and α near 1 loses no precision.
 */
export function expectedTokensPerStep(tokens: number, acceptance: number): number {
  let sum = 0;
  let term = 1;
  for (let i = 0; i <= tokens; i++) {
    sum += term;
    term *= acceptance;
  }
  return sum;
}
