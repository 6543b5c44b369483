// Unit tests of the physics: numbers anyone can check against the model cards and
// the public sources in docs/physics.md, and the monotonicity a roofline must have.
import { describe, expect, it } from 'vitest';
import {
  BF16,
  batchTimer,
  type Deployment,
  fewestDevices,
  HARDWARE,
  kvBytesPerToken,
  kvCapacityTokens,
  kvHandoffBytes,
  MODELS,
  parameterCount,
  weightBytes,
} from '../../sim/physics/index.js';

const FP8_KV = { weights: 'bf16', kv: 'fp8' } as const;
const m = (id: string) => MODELS[id]!;
const hw = (id: string) => HARDWARE[id]!;
const dep = (model: string, hardware: string, devices?: number): Deployment => ({
  model: m(model),
  hardware: hw(hardware),
  devices: devices ?? fewestDevices(m(model), hw(hardware), BF16)!,
  precision: BF16,
});

describe('model catalog', () => {
  it.each([
    ['llama-3.1-8b', 131_072, 8.03e9, 16.1e9],
    ['llama-3.1-70b', 327_680, 70.55e9, 141.1e9],
    ['llama-3.1-405b', 516_096, 405.85e9, 811.7e9],
  ])('%s: KV %d B/token exactly, parameters and BF16 weights as published', (id, kv, params, bytes) => {
    expect(kvBytesPerToken(m(id), BF16)).toBe(kv);
    expect(parameterCount(m(id)) / params).toBeCloseTo(1, 3);
    expect(weightBytes(m(id), BF16) / bytes).toBeCloseTo(1, 2);
  });

  it('FP8 KV halves the KV bytes; FP8 weights halve the weight bytes', () => {
    expect(kvBytesPerToken(m('llama-3.1-70b'), FP8_KV)).toBe(327_680 / 2);
    expect(weightBytes(m('llama-3.1-70b'), { weights: 'fp8', kv: 'bf16' })).toBe(
      weightBytes(m('llama-3.1-70b'), BF16) / 2,
    );
  });

  it('hand-off size: an 8k-token 70B prompt carries 2.68 GB of KV (Llama 3.1 70B config: 80 layers × 8 KV heads × 128 × 2 × 2 bytes)', () => {
    expect(kvHandoffBytes(m('llama-3.1-70b'), BF16, 8192) / 1e9).toBeCloseTo(2.68, 2);
  });
});

describe('sizing', () => {
  it('70B needs four CS-3 ("as few as four"), 405B at least the 19 its weights need', () => {
    expect(fewestDevices(m('llama-3.1-70b'), hw('cs3'), BF16)).toBe(4);
    expect(fewestDevices(m('llama-3.1-405b'), hw('cs3'), BF16)).toBeGreaterThanOrEqual(19);
    expect(fewestDevices(m('llama-3.1-8b'), hw('cs3'), BF16)).toBe(1);
  });

  it('one trn2.48xlarge (16 chips) holds 70B; an H100 count is a power of two', () => {
    expect(fewestDevices(m('llama-3.1-70b'), hw('trn2.48xlarge'), BF16)).toBe(16);
    expect(fewestDevices(m('llama-3.1-70b'), hw('h100-sxm'), BF16)).toBe(4);
  });

  it('KV capacity = usable memory left after the weights, in tokens', () => {
    // 8 × 80 GB × 0.9 − 141.1 GB = 434.9 GB of KV at 327,680 B/token.
    const d = dep('llama-3.1-70b', 'h100-sxm', 8);
    expect(kvCapacityTokens(d)).toBe(Math.floor((8 * 80e9 * 0.9 - weightBytes(d.model, BF16)) / 327_680));
    expect(kvCapacityTokens({ ...d, precision: FP8_KV })).toBeGreaterThan(2 * kvCapacityTokens(d) - 2);
  });
});

describe('batch times', () => {
  const h100 = batchTimer(dep('llama-3.1-70b', 'h100-sxm', 8));

  it('prefill time strictly grows with tokens', () => {
    let last = 0;
    for (const n of [1, 16, 128, 512, 2048, 8192, 32768]) {
      const t = h100.prefillSeconds(n, n * n);
      expect(t).toBeGreaterThan(last);
      last = t;
    }
  });

  it('bigger decode batches give more total tokens/s and fewer per user', () => {
    let lastTotal = 0;
    let lastPerUser = Infinity;
    for (const b of [1, 2, 8, 32, 128]) {
      const step = h100.decodeStepSeconds(b, b * 1024);
      expect(b / step).toBeGreaterThan(lastTotal);
      expect(1 / step).toBeLessThan(lastPerUser);
      lastTotal = b / step;
      lastPerUser = 1 / step;
    }
  });

  it('decode reads the KV actually held: longer contexts make slower steps', () => {
    expect(h100.decodeStepSeconds(8, 8 * 32_000)).toBeGreaterThan(h100.decodeStepSeconds(8, 8 * 1_000));
  });

  it('a CS-3 pipeline keeps its single-user speed until the compute ceiling', () => {
    const cs3 = batchTimer(dep('llama-3.1-70b', 'cs3', 4));
    expect(cs3.decodeStepSeconds(16, 16 * 1000)).toBe(cs3.decodeStepSeconds(1, 1000));
    expect(cs3.decodeStepSeconds(4096, 4096 * 1000)).toBeGreaterThan(cs3.decodeStepSeconds(1, 1000));
  });

  it('every catalog number has a source or says assumption', () => {
    for (const h of Object.values(HARDWARE)) {
      expect(Object.keys(h.sources).length, h.id).toBeGreaterThan(0);
    }
  });
});

describe('closed-form runs of decode steps', () => {
  it('equal the step-by-step sum, on both sides of the memory/compute crossover', async () => {
    // 8B on one H100 at batch 4096 from 4.1M tokens of context crosses from compute- to
    // memory-bound after ~70 steps; the other cases stay on one side.
    const { stepsSeconds } = await import('../../sim/physics/index.js');
    for (const [model, hardware, devices] of [
      ['llama-3.1-70b', 'h100-sxm', 8],
      ['llama-3.1-8b', 'h100-sxm', 1],
      ['llama-3.1-70b', 'cs3', 4],
    ] as const) {
      const t = batchTimer(dep(model, hardware, devices));
      for (const batch of [1, 7, 64, 512, 4096]) {
        for (const context0 of [batch * 10, batch * 1000, batch * 3000]) {
          let loop = 0;
          for (let i = 0; i < 300; i++) loop += t.decodeStepSeconds(batch, context0 + i * batch);
          expect(stepsSeconds(t.stepLine(batch), batch, context0, 300) / loop).toBeCloseTo(1, 12);
        }
      }
    }
  });

  it('the step line reproduces decodeStepSeconds', () => {
    const t = batchTimer(dep('llama-3.1-70b', 'h100-sxm', 8));
    const l = t.stepLine(32);
    for (const c of [100, 1e5, 1e7]) {
      expect(Math.max(l.a1 + l.b1 * c, l.a2 + l.b2 * c) + l.extra).toBeCloseTo(t.decodeStepSeconds(32, c), 15);
    }
  });
});

describe('inverting a run of decode steps', () => {
  it('stepsWithin(t) is the most steps ending by t, across the crossover', async () => {
    const { stepsSeconds, stepsWithin } = await import('../../sim/physics/index.js');
    const t = batchTimer(dep('llama-3.1-8b', 'h100-sxm', 1));
    for (const [batch, context0] of [
      [4096, 4096 * 1000],
      [16, 16 * 500],
      [1, 100],
    ] as const) {
      const line = t.stepLine(batch);
      for (const k of [0, 1, 2, 7, 70, 150, 299]) {
        const end = stepsSeconds(line, batch, context0, k);
        expect(stepsWithin(line, batch, context0, end, 300)).toBe(k);
        if (k > 0) expect(stepsWithin(line, batch, context0, end - 1e-12 * end, 300)).toBe(k - 1);
      }
      expect(stepsWithin(line, batch, context0, 1e9, 300)).toBe(300);
    }
  });
});
