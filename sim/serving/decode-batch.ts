import { contextTokens } from './phase-server.js';
import type { Request } from './request.js';
import { evict } from './request-life.js';

/**
 * The KV ledger of a continuous batch, shared by decode batchers and colocated
 * instances: who is decoding, who was evicted, and the KV tokens they hold. Owners
 * add other resident KV (landed requests, prompts in prefill) to `kvUsed` themselves.
 */
export class DecodeBatch {
  readonly running: Request[] = [];
  /** Evicted requests, newest last: they lost their KV and are readmitted first. */
  readonly evicted: Request[] = [];
  /** KV tokens resident on the instance. */
  kvUsed = 0;
  /** Σ context tokens of the running requests (what a step reads, before its own token). */
  contextSum = 0;

  get size(): number {
    return this.running.length;
  }

  /** Forget everything (the instance failed and its KV is gone). */
  clear(): void {
    this.running.length = 0;
    this.evicted.length = 0;
    this.kvUsed = 0;
    this.contextSum = 0;
  }

  /** A request whose KV is already counted in `kvUsed` starts decoding. */
  join(r: Request): void {
    this.running.push(r);
    this.contextSum += contextTokens(r);
  }

  /** The evicted request to readmit next, if any. */
  nextEvicted(): Request | undefined {
    return this.evicted[this.evicted.length - 1];
  }

  /** Take back the next evicted request and its KV (to be recomputed); the caller joins it. */
  readmit(): Request {
    const r = this.evicted.pop() as Request;
    this.kvUsed += contextTokens(r);
    return r;
  }

  /** Evict the most recently admitted request (LIFO), dropping its KV. */
  evictNewest(): Request {
    const victim = this.running.pop() as Request;
    const ctx = contextTokens(victim);
    this.kvUsed -= ctx;
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
    this.kvUsed += grown;
    this.contextSum += grown;
    const running = this.running;
    const done = this.done;
    let kept = 0;
    let finishes = 0;
    for (let i = 0; i < running.length; i++) {
      const r = running[i] as Request;
      r.decodedTokens += steps;
      if (stepsLeft(r) <= 0) {
        const ctx = contextTokens(r);
        this.kvUsed -= ctx;
        this.contextSum -= ctx;
        done[finishes++] = r;
      } else {
        // Store only when a finish opened a gap: storing a young request into the
        // long-lived array goes through the collector's write barrier.
        if (kept !== i) running[kept] = r;
        kept++;
      }
    }
    running.length = kept;
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
