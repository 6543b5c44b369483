// Prefill with a cached prefix: the pass computes only the uncached suffix, whose
// queries still attend the cached context. Checked against a hand computation from the
// spec sheet, and against the uncached prefill as it was defined before (cached = 0).
import { describe, expect, it } from 'vitest';
import {
  batchTimer,
  type Deployment,
  HARDWARE,
  MODELS,
  matmulParameters,
  parameterCount,
  prefillSums,
  usableCachedTokens,
} from '../../sim/physics/index.js';
import { workModel } from '../../sim/physics/work.js';
import { BF16, roundH100 } from '../helpers/round-h100.js';

// Round constants the hand computation below spells out (not the fitted ones).
const h100 = roundH100;
const llama8b = MODELS['llama-3.1-8b']!;
const oneH100: Deployment = { model: llama8b, hardware: h100, devices: 1, precision: BF16 };

describe('prefill with a cached prefix', () => {
  it('a 3000-token prompt with 2048 cached costs the 952-token suffix at offset 2048 (hand computation)', () => {
    // Suffix S = 3000 − 2048 = 952. Attention pairs: S²/2 + S·C = 453 152 + 1 949 696 = 2 402 848.
    // FLOPs: 2·(matmul parameters)·952 + 4·32 layers·32 heads·128 dims (= 524 288 per pair)·2 402 848.
    // Bytes: the weights (2 bytes a parameter) + 3000 KV tokens × 2·32·8·128·2 (= 131 072 bytes a token).
    // Time: max(FLOPs / (989 TF × 0.45), bytes / (3.35 TB/s × 0.8)) + 32 × 15 µs + 2 ms.
    const flops = 2 * matmulParameters(llama8b) * 952 + 524_288 * 2_402_848;
    const bytes = 2 * parameterCount(llama8b) + 3000 * 131_072;
    const hand = Math.max(flops / (989e12 * 0.45), bytes / (3.35e12 * 0.8)) + 32 * 15e-6 + 0.002;
    const s = prefillSums(3000, 2048);
    expect(s).toEqual({ tokens: 952, sumSquaredTokens: 952 * 952, prefixPairs: 952 * 2048, prefixTokens: 2048 });
    const t = batchTimer(oneH100).prefillSeconds(s.tokens, s.sumSquaredTokens, s.prefixPairs, s.prefixTokens);
    expect(t).toBeCloseTo(hand, 12);
    // Compute-bound here, so the cached context's attention shows: more than the bare
    // 952-token prefill, less than the whole 3000-token one.
    const timer = batchTimer(oneH100);
    expect(t).toBeGreaterThan(timer.prefillSeconds(952, 952 * 952));
    expect(t).toBeLessThan(timer.prefillSeconds(3000, 3000 * 3000));
    const w = workModel(oneH100).prefill(s.tokens, s.sumSquaredTokens, s.prefixPairs, s.prefixTokens);
    expect(w.flops).toBe(flops);
    expect(w.bytes).toBe(bytes);
  });

  it('a fully cached prompt still computes its last token, attending the other 2999', () => {
    expect(usableCachedTokens(3000, 3000)).toBe(2999);
    expect(usableCachedTokens(3000, 5000)).toBe(2999);
    expect(usableCachedTokens(1, 512)).toBe(0);
    expect(prefillSums(3000, 3000)).toEqual({ tokens: 1, sumSquaredTokens: 1, prefixPairs: 2999, prefixTokens: 2999 });
  });

  it("cached = 0 gives exactly the uncached pass on every catalog hardware (today's numbers)", () => {
    for (const hw of Object.values(HARDWARE)) {
      const d: Deployment = {
        model: MODELS['llama-3.1-70b']!,
        hardware: hw,
        devices: hw.model === 'wafer-pipeline' ? 4 : 8,
        precision: BF16,
      };
      const timer = batchTimer(d);
      const work = workModel(d);
      for (const [tokens, squares] of [
        [1, 1],
        [2048, 2048 ** 2],
        [8192, 3 * 2048 ** 2 + 2048 ** 2],
      ] as const) {
        // The pre-cache definition: L²/2 pairs, the prompt's own tokens of KV.
        expect(timer.prefillSeconds(tokens, squares), hw.id).toBe(timer.passSeconds(tokens, squares / 2, tokens, true));
        const s = prefillSums(tokens, 0);
        expect(timer.prefillSeconds(s.tokens, s.sumSquaredTokens, s.prefixPairs, s.prefixTokens), hw.id).toBe(
          timer.prefillSeconds(tokens, tokens * tokens),
        );
        expect(work.prefill(tokens, squares), hw.id).toEqual(work.pass(tokens, squares / 2, tokens));
      }
    }
  });
});
