// A KV reservation made during a fast-forwarded decode run, computed by hand: the run
// must stop where exact stepping would evict, and no later.
import { describe, expect, it } from 'vitest';
import { Instance } from '../../sim/datacenter/index.js';
import { Calendar, EventOrder } from '../../sim/engine/index.js';
import type { BatchTimer } from '../../sim/physics/index.js';
import type { InstanceSpec } from '../../sim/scenario/resolved.js';
import { DecodeBatcher, type DecodeStepping } from '../../sim/serving/decode-batcher.js';
import { Request } from '../../sim/serving/request.js';
import * as life from '../../sim/serving/request-life.js';

/** Every decode step takes 1 s, whatever the batch. */
const oneSecondSteps: BatchTimer = {
  passSeconds: () => 1,
  prefillSeconds: () => 0,
  decodeStepSeconds: () => 1,
  stepLine: () => ({ a1: 1, b1: 0, a2: 0, b2: 0, extra: 0 }),
};

/**
 * A decoder with room for 100 KV tokens. A (prompt 50) lands at 0 and decodes; B
 * (prompt `promptB`) is granted its reservation at 2.5 s and its transfer takes
 * 1,000 s. Exact stepping evicts A at the first boundary j where the next step does
 * not fit: 50 + j (A's context) + promptB (reserved) + 1 (the step's token) > 100.
 * Returns A's preemptions and the events delivered by `t_s`.
 */
function runUntil(
  t_s: number,
  promptB: number,
  stepping: DecodeStepping,
  outputA = 1000,
): { preemptions: number; events: number } {
  const calendar = new Calendar();
  const windows = { window_s: 10, measureFrom_s: 0, measureTo_s: Infinity };
  const spec = { index: 0, name: 'd0', rack: 'r' } as unknown as InstanceSpec;
  const decoder = new DecodeBatcher(
    calendar,
    new Instance(spec, windows, 100),
    { served() {}, rejected() {} },
    windows,
    oneSecondSteps,
    8,
    100,
    (r, to) => {
      if (r.id === 0) {
        to.arrived(r);
        return null;
      }
      const timer = calendar.schedule(1000, () => to.arrived(r), {}, EventOrder.completion);
      return { abort: () => timer.cancel() };
    },
    (r) => r.outputTokens - 1 - r.decodedTokens,
    stepping,
  );
  const a = prefilled(new Request(0, 0, 50, outputA, false), decoder.instance);
  const b = prefilled(new Request(1, 2.5, promptB, 1000, false), decoder.instance);
  calendar.schedule(0, () => decoder.accept(a), {}, EventOrder.arrival);
  calendar.schedule(2.5, () => decoder.accept(b), {}, EventOrder.arrival);
  calendar.run(t_s);
  return { preemptions: a.preemptions, events: calendar.eventsFired };
}

/** A request through its prefill (elsewhere, at its arrival), waiting for its hand-off. */
function prefilled(r: Request, at: Instance): Request {
  life.arrive(r, r.arrival_s);
  life.startPrefill(r, at, r.arrival_s);
  life.enterHandoff(r, r.arrival_s);
  return r;
}

const preemptionsBy = (t_s: number, promptB: number, stepping: DecodeStepping) =>
  runUntil(t_s, promptB, stepping).preemptions;

describe('a KV reservation during a decode run', () => {
  it.each(['fast-forward', 'exact'] as const)(
    '%s: evicts at the boundary where the next step would not fit',
    (stepping) => {
      // promptB = 20: 50 + j + 20 + 1 > 100 first at j = 30.
      expect(preemptionsBy(29.5, 20, stepping)).toBe(0);
      expect(preemptionsBy(30, 20, stepping)).toBe(1);
      // promptB = 1: first at j = 49, one step before the run planned without B would end
      // (its 50 steps filled the KV exactly): the case a cut one step late would miss.
      expect(preemptionsBy(48.5, 1, stepping)).toBe(0);
      expect(preemptionsBy(49, 1, stepping)).toBe(1);
    },
  );

  it('fast-forward: a reservation that leaves every step of the run room does not cut it', () => {
    // A finishes after 40 steps (its first token came from prefill), so the run is 40
    // steps; with B's 5 tokens reserved its last step needs 50 + 40 + 5 = 95 ≤ 100.
    // Events by 39.5 s: the two arrivals only, no cut at t = 3; and no eviction.
    expect(runUntil(39.5, 5, 'fast-forward', 41)).toEqual({ preemptions: 0, events: 2 });
    expect(runUntil(40, 5, 'fast-forward', 41)).toEqual({ preemptions: 0, events: 3 });
  });
});
