import type { Instance, Windows } from '../datacenter/index.js';
import { type Calendar, InvariantError, type Timer } from '../engine/index.js';
import type { BatchTimer } from '../physics/index.js';
import { DecodeBatch } from './decode-batch.js';
import { EventOrder } from '../engine/event-order.js';
import { KvLedger } from './kv-ledger.js';
import { contextTokens, markStarted, type Phase, type PhaseEvents, PhaseServer } from './phase-server.js';
import { StepRun } from './step-run.js';
import type { Charging } from './work-charge.js';
import type { Work } from '../physics/work.js';
import type { Request } from './request.js';

export type ColocatedPolicy = 'prefill-first' | 'chunked';

/**
 * How prompts are admitted. `evict`: KV for the prompt now, growth as it comes, the
 * newest request evicted when a step's growth does not fit (vLLM). `reserve`: KV for
 * the prompt plus the client's output limit, so that no admitted request is ever
 * evicted (TensorRT-LLM's GUARANTEED_NO_EVICT).
 */
export type Admission = { mode: 'evict' } | { mode: 'reserve'; maxTokens: number };

export interface ColocatedOptions {
  policy: ColocatedPolicy;
  /** Token budget of one prefill batch (prefill-first). */
  maxPrefillTokens: number;
  /** Token budget of one iteration, decode tokens first (chunked). */
  chunkTokens: number;
  /** Most requests running at once, prefilling or decoding (vLLM's `max_num_seqs`). */
  maxBatch: number;
  kvCapacityTokens: number;
  admission: Admission;
  stepping: 'fast-forward' | 'exact';
}

/** One phase of a colocated instance as its pool sees it; the engine does the work. */
class Face extends PhaseServer {
  constructor(
    private readonly engine: ColocatedEngine,
    calendar: Calendar,
    instance: Instance,
    phase: Phase,
    events: PhaseEvents,
    windows: Windows,
  ) {
    super(calendar, instance, phase, events, windows);
  }

  get inService(): number {
    return this.engine.inService(this.phase);
  }

  kick(): void {
    this.engine.kick();
  }

  override get watchesSharedQueue(): boolean {
    return true;
  }

  override sharedWorkWaiting(): void {
    this.engine.sharedWork();
  }

  protected held(): Iterable<Request> {
    return this.engine.held(this.phase);
  }

  /** The engine gives up what is in service; the face only empties its queue. */
  protected evacuate(): Request[] {
    return [];
  }

  next(): Request | undefined {
    return this.peekWaiting();
  }

  take(now: number): Request | undefined {
    return this.takeWaiting(now);
  }

  drop(r: Request, reason: string): void {
    this.reject(r, reason);
  }

  count(now: number, delta: number): void {
    this.changeInService(now, delta);
  }

  idle(): void {
    this.goIdle();
  }

  served(r: Request): void {
    this.addWork(-r.promptTokens);
    this.events.served(r, this);
  }
}

interface Chunking {
  request: Request;
  done: number;
}

/**
 * A colocated (mixed) instance on the performance model: prefill and decode share one
 * replica, one iteration at a time.
 * - `prefill-first`: at each boundary, queued prompts (up to the prefill budget) run
 *   as one prefill pass while decode waits; decode steps run only when no prompt waits
 *   (vLLM's default scheduler before chunked prefill).
 * - `chunked`: each iteration has a token budget; every running request decodes one
 *   token and the rest of the budget prefills the next prompt(s) in chunks
 *   (Sarathi-Serve). A prompt's first token is emitted with its last chunk.
 * KV for a prompt is reserved when its prefill starts and stays until the request
 * ends; growth, eviction (newest first, recompute on readmission) and rejection
 * follow the decode batcher's rules. One event per iteration.
 *
 * Admission: a prompt starts only while fewer than `maxBatch` requests are running —
 * prefilling, prefilled and about to join, or decoding — as vLLM's scheduler stops
 * taking waiting requests once `len(running) == max_num_seqs`, its running list
 * holding requests in (chunked) prefill as well as decoding ones. Evicted requests are
 * not running (vLLM puts them back in the waiting queue) and are readmitted under the
 * same cap. With `reserve` admission a prompt also needs KV for its whole possible
 * life, prompt + max_tokens − 1 tokens (the last token's KV is never written), on top
 * of what the admitted requests have reserved, so growth always fits and nothing is
 * evicted. The cap and both rules read context sizes and the client's limit only,
 * never the true output length.
 */
export class ColocatedEngine {
  readonly prefill: Face;
  readonly decode: Face;
  /** The instance's KV: decoding requests and prompts in prefill or about to join. */
  readonly kv: KvLedger;
  /** Decoding and evicted requests. */
  private readonly batch: DecodeBatch;
  private prefilling: Chunking[] = [];
  private busy = false;
  /** Decode-only iterations, fast-forwarded as one event when nothing else waits. */
  private readonly run: StepRun<ColocatedEngine>;
  /** What the iteration in progress is doing, applied at its end. */
  private current = { decode: false, chunks: [] as Array<{ c: Chunking; tokens: number }> };
  /** The iteration in progress when it prefills (decode-only runs are `run`). */
  private iteration: Timer | null = null;
  private down = false;
  /** Reserve admission: KV tokens promised to the admitted requests (Σ prompt + max_tokens − 1). */
  private promised = 0;
  /** Where each face's share of an iteration's FLOPs and bytes is charged (MFU, MBU). */
  private charging: { prefill: Charging; decode: Charging } | null = null;

  constructor(
    private readonly calendar: Calendar,
    readonly instance: Instance,
    events: PhaseEvents,
    windows: Windows,
    private readonly timer: BatchTimer,
    private readonly o: ColocatedOptions,
    /** The simulator's EOS oracle. */
    private readonly stepsLeft: (r: Request) => number,
  ) {
    this.run = new StepRun<ColocatedEngine>(calendar, endIteration, this);
    this.kv = new KvLedger(instance, o.kvCapacityTokens);
    this.batch = new DecodeBatch(this.kv);
    this.prefill = new Face(this, calendar, instance, 'prefill', events, windows);
    this.decode = new Face(this, calendar, instance, 'decode', events, windows);
  }

  /**
   * Charge the work of its iterations: a decode-only iteration to the decode face; one
   * carrying prompt chunks shared between the faces in proportion to their tokens
   * (the decoding requests' one token each against the chunks'), since one pass does
   * both. The instance's meter gets the whole.
   */
  measure(prefill: Charging, decode: Charging): void {
    this.charging = { prefill, decode };
    this.run.charging = decode;
  }

  /** Requests holding a slot: prefilling, prefilled and about to join, decoding. */
  private get running(): number {
    return this.prefilling.length + this.decode.local.length + this.batch.size;
  }

  /** Reserve admission: the KV a request may come to hold on this instance. */
  private promise(r: Request): number {
    return this.o.admission.mode === 'reserve' ? r.promptTokens + this.o.admission.maxTokens - 1 : 0;
  }

  inService(phase: Phase): number {
    return phase === 'prefill' ? this.prefilling.length : this.batch.size;
  }

  *held(phase: Phase): Iterable<Request> {
    if (phase === 'prefill') for (const c of this.prefilling) yield c.request;
    else {
      yield* this.batch.running;
      yield* this.batch.evicted;
    }
  }

  kick(): void {
    if (this.down) return;
    // Mid-run, new work is taken at the next step boundary, as exact stepping would.
    if (this.busy) this.run.cut(this.calendar.now_s);
    else this.iterate();
  }

  /**
   * The pool's shared queue changed. Busy: look at it at the next boundary. Idle: the
   * pool wakes parked engines itself; and this may be called from inside iterate()
   * (taking from the queue), which must not re-enter.
   */
  sharedWork(): void {
    if (this.busy) this.run.cut(this.calendar.now_s);
  }

  private iterate(): void {
    const now = this.calendar.now_s;
    const b = this.batch;
    this.admitDecoders(now);
    // Start prompts: prefill-first only when it will run a prefill pass.
    const chunks: Array<{ c: Chunking; tokens: number }> = [];
    let blocked = false;
    if (this.o.policy === 'chunked') blocked = this.planChunks(now, chunks);
    else if (this.prefilling.length === 0) blocked = this.startPrompts(now, this.o.maxPrefillTokens, chunks);
    const decoding = chunks.length === 0 || this.o.policy === 'chunked';
    // Growth: each decoding request appends a token; evict the newest until it fits.
    if (decoding && !b.stepFits()) {
      if (this.o.admission.mode === 'reserve')
        throw new InvariantError(
          `eviction on ${this.instance.name} under reserve admission: ${this.kv.used} + ${b.size} > ${this.kv.capacity_tokens} tokens`,
        );
      this.decode.count(now, -b.evictUntilStepFits());
    }
    this.kv.record(now);
    const batch = decoding ? b.size : 0;
    if (batch === 0 && chunks.length === 0) {
      this.busy = false;
      if (b.evicted.length === 0 && b.size === 0) this.prefill.idle();
      return;
    }
    if (!this.kv.fits(batch))
      throw new InvariantError(
        `KV overflow on ${this.instance.name}: ${this.kv.used} + ${batch} > ${this.kv.capacity_tokens} tokens`,
      );
    this.busy = true;
    this.current = { decode: batch > 0, chunks };
    if (chunks.length > 0) this.startPass(now, batch, chunks);
    else this.startDecodeRun(now, batch, blocked);
  }

  /**
   * Requests whose prefill ended join (their KV is resident and they hold a slot
   * already: vLLM keeps them in `running`); then evicted ones come back while a slot
   * and their KV are free (the batch notes what they recompute).
   */
  private admitDecoders(now: number): void {
    while (this.decode.next()) this.join(this.decode.take(now) as Request, now);
    if (this.running > this.o.maxBatch)
      throw new InvariantError(
        `${this.running} requests running on ${this.instance.name}, more than decode_max_batch ${this.o.maxBatch}`,
      );
    this.batch.readmitWhileFits(this.o.maxBatch, this.prefilling.length + this.decode.local.length, this.joinNow);
  }

  /** Time to recompute the readmitted requests' KV (a prefill of their contexts). */
  private recomputeSeconds(): number {
    const b = this.batch;
    return b.recomputeTokens > 0 ? this.timer.prefillSeconds(b.recomputeTokens, b.recomputeSquares) : 0;
  }

  /** Work of that recomputation, when metered (two numbers, not an object per iteration otherwise). */
  private recomputeWork(): Work | undefined {
    const b = this.batch;
    return b.recomputeTokens > 0
      ? this.charging?.decode.model.prefill(b.recomputeTokens, b.recomputeSquares)
      : undefined;
  }

  /**
   * An iteration carrying prompt chunks: one pass over all its tokens (the decoding
   * requests' one each and the chunks'), its work shared between the faces.
   */
  private startPass(now: number, batch: number, chunks: Array<{ c: Chunking; tokens: number }>): void {
    let tokens = batch;
    let pairs = batch > 0 ? this.batch.contextSum + batch : 0;
    let kv = pairs;
    for (const { c, tokens: n } of chunks) {
      tokens += n;
      pairs += n * c.done + (n * n) / 2;
      kv += c.done + n;
    }
    let dt = this.timer.passSeconds(tokens, pairs, kv, true);
    dt += this.recomputeSeconds();
    this.iteration = this.calendar.schedule(dt, endIteration, this, EventOrder.completion);
    const ch = this.charging;
    if (!ch) return;
    const w = ch.prefill.model.pass(tokens, pairs, kv);
    const decodeFrac = batch / tokens;
    const r = this.recomputeWork() ?? { flops: 0, bytes: 0 };
    ch.prefill.pass.begin(now, now + dt, { flops: w.flops * (1 - decodeFrac), bytes: w.bytes * (1 - decodeFrac) });
    ch.decode.pass.begin(now, now + dt, {
      flops: w.flops * decodeFrac + r.flops,
      bytes: w.bytes * decodeFrac + r.bytes,
    });
  }

  /**
   * Decode only: a decode step (it speculates, when the replica does). With nothing
   * waiting to start, nothing changes before the first request finishes or the KV
   * fills: one event for the whole run (fast-forward). A waiting prompt that was
   * refused (`blocked`: no slot, no KV, evicted requests first) stays refused until
   * then too: slots free and evicted requests return only when a request finishes, and
   * KV only fills. A new prompt, or a new head of a shared queue, cuts the run at the
   * next boundary (kick, sharedWork).
   */
  private startDecodeRun(now: number, batch: number, blocked: boolean): void {
    const b = this.batch;
    const recompute_s = this.recomputeSeconds();
    let dt = this.timer.decodeStepSeconds(batch, b.contextSum + batch);
    dt += recompute_s;
    let steps = 1;
    const waiting = this.prefill.next() !== undefined && !blocked;
    if (this.o.stepping === 'fast-forward' && b.recomputeTokens === 0 && !waiting)
      steps = b.fastForwardSteps(this.stepsLeft);
    this.run.start(
      now,
      this.timer.stepLine(batch),
      batch,
      b.contextSum + batch,
      recompute_s,
      steps,
      dt,
      this.recomputeWork(),
    );
  }

  /** Chunked: the budget left after one token per running request goes to prompts. */
  private planChunks(now: number, chunks: Array<{ c: Chunking; tokens: number }>): boolean {
    let budget = this.o.chunkTokens - this.batch.size;
    for (const c of this.prefilling) {
      if (budget <= 0) return false;
      const n = Math.min(budget, contextTokens(c.request) - c.done);
      chunks.push({ c, tokens: n });
      budget -= n;
    }
    return budget > 0 ? this.startPrompts(now, budget, chunks) : false;
  }

  /**
   * Take queued prompts that have a slot and whose KV fits, up to `budget` tokens this
   * iteration. True when it stopped at a prompt that may not start until a request
   * finishes (no slot, no KV, evicted requests waiting).
   */
  private startPrompts(now: number, budget: number, chunks: Array<{ c: Chunking; tokens: number }>): boolean {
    const cap = this.kv.capacity_tokens;
    const reserve = this.o.admission.mode === 'reserve';
    for (let r = this.prefill.next(); r && budget > 0; r = this.prefill.next()) {
      // A retried request recomputes what it had generated too.
      const p = contextTokens(r);
      const promise = this.promise(r);
      if (p + 1 > cap || promise > cap) {
        this.prefill.take(now);
        this.prefill.drop(
          r,
          promise > cap
            ? `prompt of ${r.promptTokens} tokens plus max_tokens ${promise - r.promptTokens + 1} cannot fit the instance's KV capacity (${cap} tokens)`
            : `prompt of ${p} tokens cannot fit the instance's KV capacity (${cap} tokens)`,
        );
        continue;
      }
      const b = this.batch;
      if (b.evicted.length > 0 || this.running >= this.o.maxBatch) return true;
      if (reserve ? this.promised + promise > cap : !this.kv.fits(p + b.size + 1)) return true;
      // prefill-first takes whole prompts (one may exceed the budget alone); chunked cuts them.
      if (this.o.policy === 'prefill-first' && chunks.length > 0 && p > budget) return false;
      this.prefill.take(now);
      markStarted(r, this.prefill, now);
      this.kv.hold(p);
      this.promised += promise;
      const c = { request: r, done: 0 };
      this.prefilling.push(c);
      this.prefill.count(now, 1);
      const n = this.o.policy === 'chunked' ? Math.min(budget, p) : p;
      chunks.push({ c, tokens: n });
      budget -= n;
    }
    return false;
  }

  private join(r: Request, now: number): void {
    markStarted(r, this.decode, now);
    this.batch.join(r);
    this.decode.count(now, 1);
  }

  /** `join` at the current time, as one function the batch calls (not a closure per iteration). */
  private readonly joinNow = (r: Request): void => this.join(r, this.calendar.now_s);

  /**
   * The instance fails: every request on it, in service or queued at either face,
   * loses its KV and is given back; nothing runs until `repair`.
   */
  fail(now: number): Request[] {
    this.down = true;
    if (this.iteration) {
      this.charging?.prefill.pass.stop(now);
      this.charging?.decode.pass.stop(now);
    }
    this.iteration?.cancel();
    this.iteration = null;
    // Decode steps of a fast-forwarded run that ended by now emitted their tokens.
    if (this.run.active) {
      const done = this.run.doneBy(now);
      this.run.cancel();
      if (done > 0) {
        this.batch.advance(done, this.stepsLeft, (r) => {
          this.decode.count(now, -1);
          this.decode.served(r);
        });
      }
    }
    this.busy = false;
    this.current = { decode: false, chunks: [] };
    const b = this.batch;
    const lost = [...this.prefilling.map((c) => c.request), ...b.running, ...b.evicted];
    const prefilling = this.prefilling.length;
    const decoding = b.size;
    this.prefilling = [];
    b.clear();
    this.promised = 0;
    this.prefill.count(now, -prefilling);
    this.decode.count(now, -decoding);
    this.kv.record(now);
    lost.push(...this.prefill.fail(now), ...this.decode.fail(now));
    for (const r of lost) if (r.kvHolder === this) r.kvHolder = null;
    return lost;
  }

  repair(): void {
    this.down = false;
    this.prefill.repair();
    this.decode.repair();
  }

  endIteration(): void {
    if (this.iteration) {
      this.charging?.prefill.pass.end();
      this.charging?.decode.pass.end();
    }
    this.iteration = null;
    const now = this.calendar.now_s;
    const { decode, chunks } = this.current;
    const steps = this.run.active ? this.run.finish() : 1;
    if (decode) {
      this.batch.advance(steps, this.stepsLeft, (r) => {
        this.promised -= this.promise(r);
        this.decode.count(now, -1);
        this.decode.served(r);
      });
    }
    for (const { c, tokens } of chunks) c.done += tokens;
    const finished = this.prefilling.filter((c) => c.done >= contextTokens(c.request));
    this.prefilling = this.prefilling.filter((c) => c.done < contextTokens(c.request));
    for (const { request } of finished) {
      this.prefill.count(now, -1);
      // The pipeline emits the first token and hands the request to `decode` (this
      // instance) — or ends it, for a one-token output, and releases its KV.
      request.kvHolder = this;
      this.prefill.served(request);
    }
    this.busy = false;
    this.iterate();
  }

  /** A request that ends at its first token gives its prompt KV back. */
  release(r: Request): void {
    this.kv.release(contextTokens(r));
    this.promised -= this.promise(r);
    r.kvHolder = null;
  }
}

function endIteration(engine: ColocatedEngine): void {
  engine.endIteration();
}
