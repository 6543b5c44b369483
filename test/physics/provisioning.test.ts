import { describe, expect, it } from 'vitest';
import { HARDWARE, MODELS, weightBytes, type Deployment } from '../../sim/physics/index.js';
import {
  DEFAULT_BOOT_S,
  DEFAULT_WEIGHT_LOAD_GBYTES_PER_S,
  provisioningSeconds,
} from '../../sim/physics/provisioning.js';

const llama70b = MODELS['llama-3.1-70b']!;
const bf16 = { weights: 'bf16', kv: 'bf16' } as const;
const deployment = (hw: string, devices: number): Deployment => ({
  model: llama70b,
  hardware: HARDWARE[hw]!,
  devices,
  precision: bf16,
});

describe('provisioning delay = boot + replica weight bytes ÷ (per-device load rate × devices)', () => {
  it('an 8-GPU H100 replica of Llama 3.1 70B: 120 s boot plus ~141 GB at 7 GB/s (Anyscale) ≈ 140 s', () => {
    const bytes = weightBytes(llama70b, bf16);
    expect(bytes / 1e9).toBeGreaterThan(130);
    expect(bytes / 1e9).toBeLessThan(150);
    expect(provisioningSeconds(deployment('h100-sxm', 8))).toBeCloseTo(120 + bytes / 7e9, 9);
  });

  it('a four-wafer CS-3 replica is dominated by bring-up (300 s), its weights loading in well under a second', () => {
    const s = provisioningSeconds(deployment('cs3', 4));
    const load = weightBytes(llama70b, bf16) / (150e9 * 4);
    expect(s).toBeCloseTo(300 + load, 9);
    expect(load).toBeLessThan(0.3);
  });

  it('a trn2.48xlarge loads the same weights ~20x slower than a CS-3 system and boots faster', () => {
    const trn = provisioningSeconds(deployment('trn2.48xlarge', 16));
    expect(trn - 180).toBeCloseTo(weightBytes(llama70b, bf16) / 7e9, 9);
    expect(trn).toBeLessThan(provisioningSeconds(deployment('cs3', 4)));
  });

  it('a draft model adds its weights; more devices load in parallel', () => {
    const draft = MODELS['llama-3.2-1b']!;
    const plain = deployment('h100-sxm', 8);
    const spec = { ...plain, speculative: { draft, tokens: 4, acceptance: 0.8 } };
    expect(provisioningSeconds(spec) - provisioningSeconds(plain)).toBeCloseTo(weightBytes(draft, bf16) / 7e9, 9);
    const d16 = provisioningSeconds(deployment('h100-sxm', 16)) - 120;
    expect(d16).toBeCloseTo((provisioningSeconds(plain) - 120) / 2, 9);
  });

  it('hardware without the fields takes the stated defaults', () => {
    const bare = { ...HARDWARE['h100-sxm']!, boot_s: undefined, weight_load_gbytes_per_s: undefined };
    const d: Deployment = { model: llama70b, hardware: bare, devices: 2, precision: bf16 };
    expect(provisioningSeconds(d)).toBeCloseTo(
      DEFAULT_BOOT_S + weightBytes(llama70b, bf16) / (DEFAULT_WEIGHT_LOAD_GBYTES_PER_S * 1e9 * 2),
      9,
    );
  });
});
