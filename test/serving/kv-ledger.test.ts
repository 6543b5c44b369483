// Invariant "KV ≤ capacity": the ledger of an instance owns the sum of its KV tokens
// (resident + reserved), throws InvariantError on any change that breaks the capacity
// or drives a sum negative, and is what the node table's kv_used_frac records.
import { describe, expect, it } from 'vitest';
import { Instance } from '../../sim/datacenter/index.js';
import { InvariantError } from '../../sim/engine/index.js';
import type { InstanceSpec } from '../../sim/scenario/resolved.js';
import { KvLedger } from '../../sim/serving/kv-ledger.js';

function ledger(capacity: number): { kv: KvLedger; inst: Instance } {
  const inst = new Instance(
    { index: 0, name: 'd0', rack: 'r' } as unknown as InstanceSpec,
    { window_s: 10, measureFrom_s: 0, measureTo_s: Infinity },
    capacity,
  );
  return { kv: new KvLedger(inst, capacity), inst };
}

describe('I3 KV ≤ capacity: the KV ledger', () => {
  it('reserve, land, grow, release and unreserve keep one sum', () => {
    const { kv } = ledger(100);
    kv.reserve(30);
    kv.hold(20);
    expect([kv.used, kv.reserved]).toEqual([50, 30]);
    kv.land(30);
    expect([kv.used, kv.reserved]).toEqual([50, 0]);
    kv.grow(50);
    expect(kv.fits(0)).toBe(true);
    expect(kv.fits(1)).toBe(false);
    kv.release(60);
    kv.reserve(5);
    kv.unreserve(5);
    expect([kv.used, kv.reserved]).toEqual([40, 0]);
    kv.clear();
    expect(kv.used).toBe(0);
  });

  it('a change past the capacity throws, naming the instance and the sums', () => {
    const { kv } = ledger(100);
    kv.hold(90);
    expect(() => kv.reserve(11)).toThrow(InvariantError);
    expect(() => ledger(100).kv.grow(101)).toThrow(
      /KV ledger of d0: 101 resident \+ 0 reserved tokens against a capacity of 100/,
    );
  });

  it('releasing what was never held, or landing what was never reserved, throws', () => {
    expect(() => ledger(100).kv.release(1)).toThrow(InvariantError);
    expect(() => ledger(100).kv.land(1)).toThrow(InvariantError);
  });

  it('records the fraction of capacity in use, growth in flight included', () => {
    const { kv, inst } = ledger(200);
    kv.hold(50);
    kv.reserve(10);
    kv.record(1);
    expect(inst.kvUsed?.current).toBe(0.3);
    kv.record(2, 40);
    expect(inst.kvUsed?.current).toBe(0.5);
    // 0.3 of capacity over [1, 2] s.
    kv.record(3);
    inst.close(3);
    expect(inst.kvUsed?.measured).toBeCloseTo(0.3 + 0.5, 12);
  });
});
