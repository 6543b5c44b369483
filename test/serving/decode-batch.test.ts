// The continuous-batching core shared by the decode batcher and the colocated engine,
// computed by hand on a 100-token instance: readmit while a slot and the KV fit,
// evict the newest until a step's growth fits, and how long a fast-forwarded run may be.
import { describe, expect, it } from 'vitest';
import { Instance } from '../../sim/datacenter/index.js';
import type { InstanceSpec } from '../../sim/scenario/resolved.js';
import { DecodeBatch } from '../../sim/serving/decode-batch.js';
import { KvLedger } from '../../sim/serving/kv-ledger.js';
import { Request } from '../../sim/serving/request.js';
import * as life from '../../sim/serving/request-life.js';

const inst = new Instance(
  { index: 0, name: 'd0', rack: 'r' } as unknown as InstanceSpec,
  { window_s: 10, measureFrom_s: 0, measureTo_s: Infinity },
  100,
);

/** A batch holding requests with these prompts (their KV on the ledger), decoding. */
function batchOf(
  prompts: number[],
  outputs = prompts.map(() => 1000),
): { b: DecodeBatch; kv: KvLedger; rs: Request[] } {
  const kv = new KvLedger(inst, 100);
  const b = new DecodeBatch(kv);
  const rs = prompts.map((p, i) => {
    const r = new Request(i, 0, p, outputs[i] as number, false);
    life.arrive(r, 0);
    life.startPrefill(r, inst, 0);
    life.enterDecodeQueue(r, 0);
    kv.hold(p);
    life.startDecode(r, inst, 0);
    b.join(r);
    return r;
  });
  return { b, kv, rs };
}

const stepsLeft = (r: Request) => r.outputTokens - 1 - r.decodedTokens;
const rejoin = (b: DecodeBatch) => (r: Request) => {
  life.startDecode(r, inst, 0);
  b.join(r);
};

describe('continuous-batching core', () => {
  it('evicts the newest until one token per running request fits', () => {
    // 30 + 30 + 38 = 98: a step of 3 needs 101 > 100; of 2 (after evicting the 38), 62.
    const { b, kv, rs } = batchOf([30, 30, 38]);
    expect(b.stepFits()).toBe(false);
    expect(b.evictUntilStepFits()).toBe(1);
    expect([b.size, kv.used, b.contextSum, rs[2]?.preemptions, rs[2]?.stage]).toEqual([2, 60, 60, 1, 'decode-queue']);
  });

  it('readmits the evicted while a slot is free and their KV fits with a token for every running request', () => {
    const { b, kv } = batchOf([30, 30, 38]);
    b.evictUntilStepFits();
    // 60 + 38 + 2 running + 1 = 101 > 100: stays out.
    b.readmitWhileFits(8, 0, rejoin(b));
    expect([b.size, b.recomputeTokens]).toEqual([2, 0]);
    b.evictNewest();
    // 30 resident; the 30 comes back first (newest evicted), 30 + 30 + 1 + 1 = 62; then
    // the 38: 60 + 38 + 2 + 1 = 101 > 100, out.
    b.readmitWhileFits(8, 0, rejoin(b));
    expect([b.size, kv.used, b.recomputeTokens, b.recomputeSquares]).toEqual([2, 60, 30, 900]);
  });

  it("other slots (a colocated engine's prompts in prefill) count against the batch cap", () => {
    const { b } = batchOf([10, 10]);
    b.evictNewest();
    b.evictNewest();
    b.readmitWhileFits(3, 2, rejoin(b));
    expect(b.size).toBe(1);
    b.readmitWhileFits(3, 1, rejoin(b));
    expect(b.size).toBe(2);
  });

  it('a fast-forwarded run lasts until the first finish or until the KV is full, at least one step', () => {
    // 20 + 30 = 50 used: room for floor(50 / 2) = 25 steps; the first finishes after 9.
    expect(batchOf([20, 30], [10, 100]).b.fastForwardSteps(stepsLeft)).toBe(9);
    expect(batchOf([20, 30], [100, 100]).b.fastForwardSteps(stepsLeft)).toBe(25);
    expect(batchOf([50, 49], [100, 100]).b.fastForwardSteps(stepsLeft)).toBe(1);
  });

  it("advance grows every running request and frees the finished ones' KV", () => {
    const { b, kv, rs } = batchOf([20, 30], [5, 100]);
    const done: number[] = [];
    b.advance(4, stepsLeft, (r) => done.push(r.id));
    // Request 0 finished (4 steps after its first token): its 24 tokens left; 34 stay.
    expect([done, b.size, kv.used, b.contextSum, rs[1]?.decodedTokens]).toEqual([[0], 1, 34, 34, 4]);
  });
});
