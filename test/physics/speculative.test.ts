// Speculative decoding physics against hand computation: the expected tokens per step
// (Leviathan et al. 2023), a step's cost (a verification pass over k + 1 positions per
// sequence plus k draft passes), and the KV and weights of both models.
import { describe, expect, it } from 'vitest';
import {
  batchTimer,
  type Deployment,
  draftDeployment,
  expectedTokensPerStep,
  fewestDevices,
  fits,
  HARDWARE,
  kvCapacityTokens,
  MODELS,
  parameterCount,
  stepsSeconds,
  stepsWithin,
} from '../../sim/physics/index.js';
import { BF16, roundH100 } from '../helpers/round-h100.js';

// Round constants the hand computation below spells out (not the fitted ones).
const h100 = roundH100;
const target = MODELS['llama-3.1-8b']!;
const draft = MODELS['llama-3.2-1b']!;

function onOneH100(tokens: number, acceptance: number): Deployment {
  return { model: target, hardware: h100, devices: 1, precision: BF16, speculative: { draft, tokens, acceptance } };
}

/**
 * One H100 (no tensor parallelism), by hand from the spec sheet: a decode pass of
 * `tokens` new positions over `pairs` attention pairs, reading `kv` KV tokens, is
 * max(FLOPs / (989 TF × 0.3), bytes / (3.35 TB/s × 0.8)) + 15 µs per layer (+ 0.2 ms
 * per step for the target only: the engine schedules once per step).
 */
function handPass(m: typeof target, tokens: number, pairs: number, kv: number, fixed_s: number): number {
  const params = parameterCount(m);
  const matmul = params - (m.tied_embeddings ? 0 : m.vocab * m.hidden);
  const flops = 2 * matmul * tokens + 4 * m.layers * m.heads * m.head_dim * pairs;
  const bytes = 2 * params + kv * 2 * m.layers * m.kv_heads * m.head_dim * 2;
  return Math.max(flops / (989e12 * 0.3), bytes / (3.35e12 * 0.8)) + m.layers * 15e-6 + fixed_s;
}

/** A step of B sequences with total context C (each context counts its new token). */
function handStep(k: number, B: number, C: number): number {
  const q = k + 1;
  // Position i of q attends its context and the i draft tokens before it.
  let t = handPass(target, B * q, q * C + (B * q * (q - 1)) / 2, C + B * k, 0.2e-3);
  for (let j = 0; j < k; j++) t += handPass(draft, B, C + j * B, C + j * B, 0);
  return t;
}

describe('expected tokens per verification step', () => {
  it('is 1 at α = 0, k + 1 at α = 1, and (1 − α^(k+1)) / (1 − α) between', () => {
    expect(expectedTokensPerStep(7, 0)).toBe(1);
    expect(expectedTokensPerStep(7, 1)).toBe(8);
    // 1 − 0.8^8 = 1 − 0.16777216 = 0.83222784; / 0.2 = 4.1611392.
    expect(expectedTokensPerStep(7, 0.8)).toBeCloseTo(4.1611392, 12);
    expect(expectedTokensPerStep(1, 0.5)).toBe(1.5);
    expect(expectedTokensPerStep(4, 1 - 1e-12)).toBeCloseTo(5, 9);
  });
});

describe('the Llama 3.2 1B draft', () => {
  it('has the parameters its config.json implies (1.236 B, tied embeddings)', () => {
    // 16 × (2048·32·64 + 2·2048·8·64 + 32·64·2048 + 3·2048·8192 + 2·2048) + 2048 + 128,256·2048
    expect(parameterCount(draft)).toBe(
      16 * (4_194_304 + 2_097_152 + 4_194_304 + 50_331_648 + 4096) + 2048 + 262_668_288,
    );
    expect(parameterCount(draft)).toBe(1_235_814_400);
  });
});

describe('a speculative decode step', () => {
  const B = 4;
  const C = 4 * 1000;

  it('at α = 0 emits one token at the cost of k + 1 verified positions plus k draft passes', () => {
    for (const k of [1, 3, 7]) {
      const t = batchTimer(onOneH100(k, 0)).decodeStepSeconds(B, C);
      expect(t).toBeCloseTo(handStep(k, B, C), 12);
      // Slower than plain decoding, which it then only costs.
      expect(t).toBeGreaterThan(
        batchTimer({ model: target, hardware: h100, devices: 1, precision: BF16 }).decodeStepSeconds(B, C),
      );
    }
  });

  it('as α → 1 emits k + 1 tokens per step: per-token time is the step over k + 1', () => {
    const k = 5;
    expect(batchTimer(onOneH100(k, 1)).decodeStepSeconds(B, C)).toBeCloseTo(handStep(k, B, C) / (k + 1), 12);
    const near = batchTimer(onOneH100(k, 1 - 1e-9)).decodeStepSeconds(B, C);
    expect((near * (k + 1)) / handStep(k, B, C)).toBeCloseTo(1, 7);
  });

  it('at α = 0.8, k = 7 costs the step over E = 4.1611392 per token', () => {
    expect(batchTimer(onOneH100(7, 0.8)).decodeStepSeconds(B, C)).toBeCloseTo(handStep(7, B, C) / 4.1611392, 12);
  });

  it('sums in closed form over runs of steps, across the memory/compute crossover', () => {
    const timer = batchTimer(onOneH100(4, 0.7));
    // 64 sequences from 224k to 288k of context: the verification pass turns from
    // compute- to memory-bound; 256 from 5k to 108k: the draft's passes do.
    const memoryBound = (l: { a1: number; b1: number; a2: number; b2: number }, c: number) =>
      l.a1 + l.b1 * c > l.a2 + l.b2 * c;
    const l64 = timer.stepLine(64);
    expect([memoryBound(l64, 224_000), memoryBound(l64, 288_000)]).toEqual([false, true]);
    const d256 = timer.stepLine(256).draft!.line;
    expect([memoryBound(d256, 5120), memoryBound(d256, 5120 + 256 * 400)]).toEqual([false, true]);
    for (const [batch, context0, steps] of [
      [1, 3000, 40],
      [256, 256 * 20, 400],
      [64, 64 * 3500, 1000],
    ] as const) {
      const line = timer.stepLine(batch);
      let sum = 0;
      for (let i = 0; i < steps; i++) sum += timer.decodeStepSeconds(batch, context0 + i * batch);
      expect(stepsSeconds(line, batch, context0, steps) / sum).toBeCloseTo(1, 11);
      expect(stepsSeconds(line, batch, context0, 1) / timer.decodeStepSeconds(batch, context0)).toBeCloseTo(1, 12);
      const half = stepsSeconds(line, batch, context0, steps / 2);
      expect(stepsWithin(line, batch, context0, half, steps)).toBe(steps / 2);
      expect(stepsWithin(line, batch, context0, half * 0.999999, steps)).toBe(steps / 2 - 1);
    }
  });

  it('runs prefill through both models without the fixed cost twice', () => {
    const timer = batchTimer(onOneH100(4, 0.7));
    const plain = batchTimer({ model: target, hardware: h100, devices: 1, precision: BF16 });
    const draftAlone = batchTimer({ model: draft, hardware: h100, devices: 1, precision: BF16 });
    const L = 3000;
    expect(timer.prefillSeconds(L, L * L)).toBeCloseTo(
      plain.prefillSeconds(L, L * L) + draftAlone.prefillSeconds(L, L * L) - h100.overhead.prefill_s,
      12,
    );
  });
});

describe('memory of a speculating replica', () => {
  it('counts both models’ KV per token and both models’ weights', () => {
    // Usable 80 GB × 0.9; weights 2 B per parameter; KV 2·layers·kv_heads·head_dim·2 B per token.
    const weights = 2 * 8_030_261_248 + 2 * 1_235_814_400;
    const kvPerToken = 2 * 32 * 8 * 128 * 2 + 2 * 16 * 8 * 64 * 2; // 131,072 + 32,768
    expect(kvCapacityTokens(onOneH100(7, 0.8))).toBe(Math.floor((80e9 * 0.9 - weights) / kvPerToken));
    expect(kvCapacityTokens(onOneH100(7, 0.8))).toBe(326_341);
  });

  it('needs the draft to fit beside the target', () => {
    const trn2 = HARDWARE['trn2.48xlarge']!;
    const m70 = MODELS['llama-3.1-70b']!;
    // 70B + 1B in BF16 (141.1 + 2.5 GB) against 90% of usable memory: 2 H100s hold
    // 129.6 GB (no), 4 hold 259.2 GB (yes).
    expect(fewestDevices(m70, h100, BF16, draft)).toBe(4);
    expect(fits(m70, trn2, BF16, 16, draft)).toBe(true);
    // Two 70B models (282 GB) do not fit in 4 H100s' 259.2 GB.
    expect(fits(m70, h100, BF16, 4, m70)).toBe(false);
  });

  it('puts a wafer-pipeline draft on the fewest wafers that hold it', () => {
    const cs3 = HARDWARE.cs3!;
    const d: Deployment = {
      model: MODELS['llama-3.1-70b']!,
      hardware: cs3,
      devices: 4,
      precision: BF16,
      speculative: { draft, tokens: 3, acceptance: 0.5 },
    };
    expect(draftDeployment(d)?.devices).toBe(1);
    expect(draftDeployment({ ...d, hardware: h100 })?.devices).toBe(4);
  });
});
