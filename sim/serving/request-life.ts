import type { Instance } from '../datacenter/index.js';
import { InvariantError } from '../engine/index.js';
import type { Request, Stage } from './request.js';

/**
 * The only place that moves a request between stages (docs/model.md, "A request's
 * life"). Each move checks the stage it leaves against a small table and stamps the
 * times; a move from any other stage is a bug in the serving code and throws an
 * `InvariantError` naming the request and both stages, instead of writing a row whose
 * times may or may not look disordered.
 *
 * The check is one property read and one bitwise AND: this runs several times per
 * request, on the simulator's hot path, and allocates nothing unless it throws.
 */

/** One bit per stage, so that a move's legal sources are one number. */
const BIT: Readonly<Record<Stage, number>> = {
  created: 1,
  'prefill-queue': 2,
  prefill: 4,
  handoff: 8,
  'decode-queue': 16,
  decode: 32,
  done: 64,
};

/** Every stage a request is still in the system at (it may fail, be rejected, end unfinished). */
const LIVE = BIT['prefill-queue'] | BIT.prefill | BIT.handoff | BIT['decode-queue'] | BIT.decode;

/** The moves and the stages each may start from. */
export const LEGAL_FROM = {
  arrive: BIT.created,
  startPrefill: BIT['prefill-queue'],
  firstToken: BIT.prefill,
  // Its own instance decodes it (a mixed instance): no hand-off.
  enterDecodeQueue: BIT.prefill,
  enterHandoff: BIT.prefill,
  // From decode-queue too: a mixed instance whose decode runs a decode batcher (its
  // prefill on service times) queues its own requests there, and the batcher starts a
  // local hand-off for each (reservation, then an instantaneous transfer).
  startTransfer: BIT.handoff | BIT['decode-queue'],
  land: BIT.handoff,
  // A landed request joins; an evicted one is readmitted.
  startDecode: BIT['decode-queue'],
  evict: BIT.decode,
  // A one-token output is done at its first token.
  complete: BIT.decode | BIT.prefill,
  // Created: the workload rejects what can never be served before it arrives.
  reject: BIT.created | LIVE,
  displace: LIVE,
  unfinished: LIVE,
} as const;

export type Move = keyof typeof LEGAL_FROM;

/** What this module may write; everyone else sees the Request's fields as readonly. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

function check(r: Request, move: Move, to: Stage): Writable<Request> {
  if ((BIT[r.stage] & LEGAL_FROM[move]) === 0) {
    throw new InvariantError(`request ${r.id}: illegal move ${move} from stage ${r.stage} to ${to}`);
  }
  return r as Writable<Request>;
}

/** It arrives and waits for prefill. */
export function arrive(r: Request, now: number): void {
  const w = check(r, 'arrive', 'prefill-queue');
  w.stage = 'prefill-queue';
  w.prefillEnqueue_s = now;
}

/** A prefill server starts its prompt. */
export function startPrefill(r: Request, instance: Instance, now: number): void {
  const w = check(r, 'startPrefill', 'prefill');
  w.stage = 'prefill';
  w.prefillStart_s = now;
  w.prefillInstance = instance;
}

/** Prefill ended: the first token is out (a retried request's first token was streamed on its first attempt). */
export function firstToken(r: Request, now: number): void {
  const w = check(r, 'firstToken', 'prefill');
  if (Number.isNaN(w.firstToken_s)) w.firstToken_s = now;
}

/** Its prefill instance decodes it too (no hand-off). */
export function enterDecodeQueue(r: Request, now: number): void {
  const w = check(r, 'enterDecodeQueue', 'decode-queue');
  w.stage = 'decode-queue';
  w.decodeEnqueue_s = now;
}

/** It waits for a decoder to take its KV. */
export function enterHandoff(r: Request, now: number): void {
  const w = check(r, 'enterHandoff', 'handoff');
  w.stage = 'handoff';
  w.transferEnqueue_s = now;
}

/** Its KV starts to move (the decode side has reserved room for it). */
export function startTransfer(r: Request, now: number): void {
  const w = check(r, 'startTransfer', 'handoff');
  w.stage = 'handoff';
  w.transferStart_s = now;
}

/** Its KV is on the decode instance: it waits to join a batch. */
export function land(r: Request, now: number): void {
  const w = check(r, 'land', 'decode-queue');
  w.stage = 'decode-queue';
  w.transferEnd_s = now;
  w.decodeEnqueue_s = now;
}

/** A decode server starts (or, after an eviction, resumes) it; the first start is stamped. */
export function startDecode(r: Request, instance: Instance, now: number): void {
  const w = check(r, 'startDecode', 'decode');
  w.stage = 'decode';
  if (Number.isNaN(w.decodeStart_s)) w.decodeStart_s = now;
  w.decodeInstance = instance;
}

/** Evicted from its batch for lack of KV: it waits to be readmitted (and recompute). */
export function evict(r: Request): void {
  const w = check(r, 'evict', 'decode-queue');
  w.stage = 'decode-queue';
  w.preemptions++;
}

/** Its last token is out. */
export function complete(r: Request, now: number): void {
  const w = check(r, 'complete', 'done');
  w.stage = 'done';
  w.status = 'completed';
  w.completion_s = now;
}

/** It can never be served (too large, or its retries ran out). */
export function reject(r: Request, reason: string): void {
  const w = check(r, 'reject', 'done');
  w.stage = 'done';
  w.status = 'rejected';
  w.reason = reason;
}

/** Still in the system when the run stops; the reason says where. */
export function unfinished(r: Request, horizon_s: number): void {
  const w = check(r, 'unfinished', 'done');
  w.reason = `${r.stage} at the horizon (${horizon_s} s)`;
  w.stage = 'done';
  w.status = 'unfinished';
}

/**
 * A failure displaced it; its prompt KV survives on its prefill instance (`keptKv`):
 * only the hand-off starts again. Everything after its prefill is forgotten.
 */
export function restartHandoff(r: Request, now: number): void {
  const w = check(r, 'displace', 'handoff');
  forgetDecode(w);
  w.stage = 'handoff';
  w.transferEnqueue_s = now;
}

/**
 * A failure displaced it and its KV is gone: it starts again at prefill, recomputing
 * its prompt and what it had generated. Its first token was streamed: TTFT stands.
 */
export function restartPrefill(r: Request, now: number): void {
  const w = check(r, 'displace', 'prefill-queue');
  forgetDecode(w);
  w.transferEnqueue_s = NaN;
  w.prefillInstance = null;
  w.stage = 'prefill-queue';
  w.prefillEnqueue_s = now;
}

function forgetDecode(w: Writable<Request>): void {
  w.transferStart_s = NaN;
  w.transferEnd_s = NaN;
  w.decodeEnqueue_s = NaN;
  w.decodeStart_s = NaN;
  w.decodeInstance = null;
}
