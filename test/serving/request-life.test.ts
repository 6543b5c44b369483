// Invariant "stage order": a request moves between stages only along the legal moves of
// request-life.ts; any other move is a bug and throws InvariantError naming the
// request and both stages. The table below is written out by hand from docs/model.md
// ("A request's life"), independently of LEGAL_FROM, and every (move, stage) pair is tried.
import { describe, expect, it } from 'vitest';
import { Instance } from '../../sim/datacenter/index.js';
import { Calendar, EventOrder, InvariantError } from '../../sim/engine/index.js';
import type { BatchTimer } from '../../sim/physics/index.js';
import { DecodeBatcher } from '../../sim/serving/decode-batcher.js';
import type { InstanceSpec } from '../../sim/scenario/resolved.js';
import { Request, type Stage } from '../../sim/serving/request.js';
import * as life from '../../sim/serving/request-life.js';

const STAGES: Stage[] = ['created', 'prefill-queue', 'prefill', 'handoff', 'decode-queue', 'decode', 'done'];
const LIVE: Stage[] = ['prefill-queue', 'prefill', 'handoff', 'decode-queue', 'decode'];
const inst = new Instance({ index: 0, name: 'i0', rack: 'r' } as unknown as InstanceSpec, {
  window_s: 1,
  measureFrom_s: 0,
  measureTo_s: Infinity,
});

/** Each move: the stages it may leave, and the stage it leads to. */
const MOVES: Record<life.Move, { from: Stage[]; to: Stage; run: (r: Request) => void }> = {
  arrive: { from: ['created'], to: 'prefill-queue', run: (r) => life.arrive(r, 1) },
  startPrefill: { from: ['prefill-queue'], to: 'prefill', run: (r) => life.startPrefill(r, inst, 1) },
  firstToken: { from: ['prefill'], to: 'prefill', run: (r) => life.firstToken(r, 1) },
  enterDecodeQueue: { from: ['prefill'], to: 'decode-queue', run: (r) => life.enterDecodeQueue(r, 1) },
  enterHandoff: { from: ['prefill'], to: 'handoff', run: (r) => life.enterHandoff(r, 1) },
  startTransfer: { from: ['handoff', 'decode-queue'], to: 'handoff', run: (r) => life.startTransfer(r, 1) },
  land: { from: ['handoff'], to: 'decode-queue', run: (r) => life.land(r, 1) },
  startDecode: { from: ['decode-queue'], to: 'decode', run: (r) => life.startDecode(r, inst, 1) },
  evict: { from: ['decode'], to: 'decode-queue', run: (r) => life.evict(r) },
  complete: { from: ['prefill', 'decode'], to: 'done', run: (r) => life.complete(r, 1) },
  reject: { from: ['created', ...LIVE], to: 'done', run: (r) => life.reject(r, 'x') },
  // Two moves share the "displace" row: hand-off again (KV kept) or prefill again.
  displace: { from: LIVE, to: 'handoff', run: (r) => life.restartHandoff(r, 1) },
  unfinished: { from: LIVE, to: 'done', run: (r) => life.unfinished(r, 9) },
};

function at(stage: Stage): Request {
  const r = new Request(7, 0, 10, 5, false);
  (r as { stage: Stage }).stage = stage;
  return r;
}

describe('I2 stage order: the request life', () => {
  it('the hand-written table covers exactly the moves request-life.ts knows', () => {
    expect(Object.keys(MOVES).sort()).toEqual(Object.keys(life.LEGAL_FROM).sort());
  });

  const pairs = Object.entries(MOVES).flatMap(([move, m]) => STAGES.map((s) => [move, s, m.from.includes(s)] as const));
  it.each(pairs)('%s from %s: legal = %s', (move, stage, legal) => {
    const m = MOVES[move as life.Move];
    const r = at(stage);
    if (legal) {
      m.run(r);
      expect(r.stage).toBe(m.to);
    } else {
      expect(() => m.run(r)).toThrow(InvariantError);
      expect(() => m.run(r)).toThrow(new RegExp(`request 7: illegal move ${move} from stage ${stage} to ${m.to}`));
      expect(r.stage).toBe(stage);
    }
  });

  it('restarting at prefill is legal from every live stage and from none other', () => {
    for (const s of STAGES) {
      const r = at(s);
      if (LIVE.includes(s)) {
        life.restartPrefill(r, 3);
        expect([r.stage, r.prefillEnqueue_s, r.prefillInstance]).toEqual(['prefill-queue', 3, null]);
      } else expect(() => life.restartPrefill(r, 3)).toThrow(InvariantError);
    }
  });

  it('completing a request still in the prefill queue throws', () => {
    const r = new Request(3, 0, 10, 5, false);
    life.arrive(r, 0);
    expect(() => life.complete(r, 1)).toThrow(/request 3: illegal move complete from stage prefill-queue to done/);
    expect(r.status).toBeUndefined();
  });

  it('a full life stamps each time once, in order, and a displacement forgets the decode side only', () => {
    const r = new Request(1, 0, 10, 5, false);
    life.arrive(r, 0);
    life.startPrefill(r, inst, 1);
    life.firstToken(r, 2);
    life.enterHandoff(r, 2);
    life.startTransfer(r, 3);
    life.land(r, 4);
    life.startDecode(r, inst, 5);
    life.evict(r);
    life.startDecode(r, inst, 6);
    const times = [r.prefillEnqueue_s, r.prefillStart_s, r.firstToken_s, r.transferEnqueue_s];
    times.push(r.transferStart_s, r.transferEnd_s, r.decodeEnqueue_s, r.decodeStart_s);
    expect(times).toEqual([0, 1, 2, 2, 3, 4, 4, 5]);
    expect(r.preemptions).toBe(1);
    life.restartHandoff(r, 7);
    expect([
      r.stage,
      r.transferEnqueue_s,
      r.transferStart_s,
      r.transferEnd_s,
      r.decodeEnqueue_s,
      r.decodeStart_s,
    ]).toEqual(['handoff', 7, NaN, NaN, NaN, NaN]);
    expect(r.decodeInstance).toBeNull();
    // The first token was streamed: TTFT stands across a restart.
    life.restartPrefill(r, 8);
    life.startPrefill(r, inst, 9);
    life.firstToken(r, 10);
    expect([r.firstToken_s, r.prefillStart_s, r.transferEnqueue_s]).toEqual([2, 9, NaN]);
    life.enterDecodeQueue(r, 10);
    life.startDecode(r, inst, 11);
    life.complete(r, 12);
    expect([r.stage, r.status, r.completion_s, r.decodeStart_s]).toEqual(['done', 'completed', 12, 11]);
  });

  it('unfinished says the stage it stopped in', () => {
    const r = at('handoff');
    life.unfinished(r, 100);
    expect([r.status, r.reason]).toEqual(['unfinished', 'handoff at the horizon (100 s)']);
  });

  it('a decode batcher handed a request that never went through prefill stops at the illegal move', () => {
    const calendar = new Calendar();
    const windows = { window_s: 10, measureFrom_s: 0, measureTo_s: Infinity };
    const timer: BatchTimer = {
      passSeconds: () => 1,
      prefillSeconds: () => 0,
      decodeStepSeconds: () => 1,
      stepLine: () => ({ a1: 1, b1: 0, a2: 0, b2: 0, extra: 0 }),
    };
    const events = { served() {}, rejected() {} };
    const handOff = (r: Request, to: DecodeBatcher) => {
      to.arrived(r);
      return null;
    };
    const decoder = new DecodeBatcher(calendar, inst, events, windows, timer, 8, 100, handOff, () => 5);
    const r = new Request(4, 0, 10, 5, false);
    calendar.schedule(0, () => decoder.accept(r), {}, EventOrder.arrival);
    expect(() => calendar.run(10)).toThrow(/request 4: illegal move startTransfer from stage created to handoff/);
  });
});
