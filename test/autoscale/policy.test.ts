import { describe, expect, it } from 'vitest';
import { decide, recommended, type PolicySettings } from '../../sim/autoscale/policy.js';

const settings = (over: Partial<PolicySettings> = {}): PolicySettings => ({
  policy: 'utilization',
  target: 0.7,
  min: 1,
  max: 100,
  scale_out_cooldown_s: 0,
  scale_in_cooldown_s: 0,
  ...over,
});
const at = (up: number, provisioning = 0, lastOut_s = 0, lastIn_s = 0) => ({ up, provisioning, lastOut_s, lastIn_s });

describe('utilization policy: ⌈λ·E[S]/ρ*⌉', () => {
  it('asks for ⌈busy / target⌉ whatever the current size (λ·E[S] = 10 req/s × 0.5 s = 5 busy → ⌈5/0.7⌉ = 8)', () => {
    for (const current of [1, 3, 8, 20]) {
      expect(recommended({ policy: 'utilization', busyInstances: 10 * 0.5 }, 0.7, current)).toBe(8);
    }
  });
  it('an exact multiple does not round up through float error (2.1 busy at 0.7 → 3, not 4)', () => {
    expect(recommended({ policy: 'utilization', busyInstances: 3 * 0.7 }, 0.7, 1)).toBe(3);
    expect(recommended({ policy: 'utilization', busyInstances: 0.1 + 0.2 }, 0.1, 1)).toBe(3);
  });
  it('settles: applied to its own answer in a steady load, it stays', () => {
    let n = 2;
    for (let k = 0; k < 5; k++)
      n = decide({ policy: 'utilization', busyInstances: 5 }, settings(), at(n), 100 * (k + 1));
    expect(n).toBe(8);
  });
});

describe('bounds and cooldowns', () => {
  it('clamps to [min, max]', () => {
    expect(decide({ policy: 'utilization', busyInstances: 50 }, settings({ max: 6 }), at(3), 10)).toBe(6);
    expect(decide({ policy: 'utilization', busyInstances: 0 }, settings({ min: 2 }), at(5), 10)).toBe(2);
  });
  it('counts provisioning instances as already there (no second order for the same need)', () => {
    expect(decide({ policy: 'utilization', busyInstances: 5 }, settings(), at(3, 5), 10)).toBe(8);
  });
  it('scale-out waits out its cooldown from the last scale-out', () => {
    const s = settings({ scale_out_cooldown_s: 60 });
    expect(decide({ policy: 'utilization', busyInstances: 5 }, s, at(3, 0, 30), 60)).toBe(3);
    expect(decide({ policy: 'utilization', busyInstances: 5 }, s, at(3, 0, 30), 90)).toBe(8);
  });
  it('scale-in waits out its cooldown from the last change either way', () => {
    const s = settings({ scale_in_cooldown_s: 300 });
    const low = { policy: 'utilization', busyInstances: 0.7 } as const;
    expect(decide(low, s, at(8, 0, 100, 0), 350)).toBe(8);
    expect(decide(low, s, at(8, 0, 100, 0), 400)).toBe(1);
    expect(decide(low, s, at(8, 0, 0, 200), 450)).toBe(8);
  });
});

describe('queue policy: ⌈requests / per-instance target⌉', () => {
  it('12 requests at the group with 4 per instance → 3; 12.5 → 4', () => {
    expect(decide({ policy: 'queue', requests: 12 }, settings({ policy: 'queue', target: 4 }), at(1), 10)).toBe(3);
    expect(decide({ policy: 'queue', requests: 12.5 }, settings({ policy: 'queue', target: 4 }), at(1), 10)).toBe(4);
  });
});

describe('slo policy: one step at a time', () => {
  const s = settings({ policy: 'slo', target: 0.99 });
  it('attainment below target → one more', () => {
    expect(decide({ policy: 'slo', settled: 100, met: 98, metTight: 50 }, s, at(4), 10)).toBe(5);
  });
  it('meets even the tightened bounds → one fewer', () => {
    expect(decide({ policy: 'slo', settled: 100, met: 100, metTight: 99 }, s, at(4), 10)).toBe(3);
  });
  it('meets the bounds but not the tightened ones → hold; nothing settled → hold', () => {
    expect(decide({ policy: 'slo', settled: 100, met: 100, metTight: 90 }, s, at(4), 10)).toBe(4);
    expect(decide({ policy: 'slo', settled: 0, met: 0, metTight: 0 }, s, at(4), 10)).toBe(4);
  });
});
