import type { KvLedger } from './kv-ledger.js';
import { contextTokens } from './phase-server.js';
import type { Request } from './request.js';
import { evict } from './request-life.js';

/**
 * The continuous-batching core shared by decode batchers and colocated instances:
 * who is decoding, who was evicted, and the three decisions both make at a step
 * boundary — readmit evicted requests while a slot and their KV are free, evict the
 * newest until the step's growth fits, and how many steps a fast-forwarded run may
 * take. The KV itself is on the instance's ledger, which the batch keeps up to date
 * for what it holds; what else is on the ledger (hand-off reservations, prompts in
 * prefill, landed requests) is its owner's, and counts against the same capacity.
 *
 * The two owners differed by one term: a colocated instance's slots are also taken by
 * requests in prefill and prefilled ones about to join (`otherSlots`); a decode
 * batcher's reservations are on the ledger like any other KV.
 */
export class DecodeBatch {
  readonly running: Request[] = [];
  /** Evicted requests, newest last: they lost their KV and are readmitted first. */
  readonly evicted: Request[] = [];
  /** Σ context tokens of the running requests (what a step reads, before its own token). */
  contextSum = 0;
  /** Tokens the last `readmitWhileFits` brings back (recomputed as a prefill), and Σ of their squares. */
  recomputeTokens = 0;
  recomputeSquares = 0;

  constructor(readonly kv: KvLedger) {}

  get size(): number {
    return this.running.length;
  }

  /** Forget everything (the instance failed and its KV is gone). */
  clear(): void {
    this.running.length = 0;
    this.evicted.length = 0;
    this.kv.clear();
    this.contextSum = 0;
  }

  /** A request whose KV is already on the ledger starts decoding. */
  join(r: Request): void {
    this.running.push(r);
    this.contextSum += contextTokens(r);
  }

  /**
   * Readmit evicted requests, newest first, while a slot is free (`maxBatch` counts the
   * running ones and `otherSlots`) and their KV fits with one token of growth for every
   * running request; `joined` makes each one start. Sets `recomputeTokens` and
   * `recomputeSquares` (their KV is recomputed, charged as a prefill).
   */
  readmitWhileFits(maxBatch: number, otherSlots: number, joined: (r: Request) => void): void {
    let tokens = 0;
    let squares = 0;
    const evicted = this.evicted;
    while (evicted.length > 0 && this.running.length + otherSlots < maxBatch) {
      const r = evicted[evicted.length - 1] as Request;
      const ctx = contextTokens(r);
      if (!this.kv.fits(ctx + this.running.length + 1)) break;
      evicted.pop();
      this.kv.hold(ctx);
      tokens += ctx;
      squares += ctx * ctx;
      joined(r);
    }
    this.recomputeTokens = tokens;
    this.recomputeSquares = squares;
  }

  /** Room for the next step's growth (one token per running request). */
  stepFits(): boolean {
    return this.kv.fits(this.running.length);
  }

  /** Evict the newest (LIFO) until the next step's growth fits; returns how many left. */
  evictUntilStepFits(): number {
    let n = 0;
    while (this.running.length > 0 && !this.kv.fits(this.running.length)) {
      this.evictNewest();
      n++;
    }
    return n;
  }

  /**
   * Steps a fast-forwarded run may take with this batch: until the first request
   * finishes (the simulator's EOS oracle) or the KV would need an eviction; at least one.
   */
  fastForwardSteps(stepsLeft: (r: Request) => number): number {
    let first = Infinity;
    const running = this.running;
    for (let i = 0; i < running.length; i++) first = Math.min(first, stepsLeft(running[i] as Request));
    const room = Math.floor((this.kv.capacity_tokens - this.kv.used) / running.length);
    return Math.max(1, Math.min(first, room));
  }

  /** Evict the most recently admitted request (LIFO), dropping its KV. */
  evictNewest(): Request {
    const victim = this.running.pop() as Request;
    const ctx = contextTokens(victim);
    this.kv.release(ctx);
    this.contextSum -= ctx;
    evict(victim);
    this.evicted.push(victim);
    return victim;
  }

  /**
   * `steps` decode steps happened: every running request grew by `steps` tokens.
   * Requests the oracle says are done leave the batch with their KV; `finished` is
   * called for each, in batch order, once the batch no longer holds them.
   */
  advance(steps: number, stepsLeft: (r: Request) => number, finished: (r: Request) => void): void {
    const grown = this.running.length * steps;
    this.kv.grow(grown);
    this.contextSum += grown;
    const running = this.running;
    const done = this.done;
    let kept = 0;
    let finishes = 0;
    let freed = 0;
    for (let i = 0; i < running.length; i++) {
      const r = running[i] as Request;
      r.decodedTokens += steps;
      if (stepsLeft(r) <= 0) {
        freed += contextTokens(r);
        done[finishes++] = r;
      } else {
        // Store only when a finish opened a gap: storing a young request into the
        // long-lived array goes through the collector's write barrier.
        if (kept !== i) running[kept] = r;
        kept++;
      }
    }
    running.length = kept;
    if (freed > 0) {
      this.kv.release(freed);
      this.contextSum -= freed;
    }
    // `finished` may not advance this batch again (it ends requests, it does not step).
    for (let i = 0; i < finishes; i++) {
      const r = done[i] as Request;
      done[i] = undefined;
      finished(r);
    }
  }

  /** Requests that finished in the last `advance`, kept between calls to allocate nothing. */
  private readonly done: Array<Request | undefined> = [];
}
