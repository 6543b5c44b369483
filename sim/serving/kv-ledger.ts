import type { Instance } from '../datacenter/index.js';
import { InvariantError } from '../engine/index.js';

/**
 * The KV memory of one instance, in tokens (docs/model.md, "KV ledger"). It owns the
 * sum and the invariant `used ≤ capacity`, checked on every change, and it is the one
 * caller of `Instance.setKvUsed`. Its owner (the instance's prefill batcher, decode
 * batcher or colocated engine: resolve() gives an instance at most one of them with a
 * KV model) decides what to admit by asking `fits`; the ledger refuses nothing, it
 * throws when its owner got the arithmetic wrong.
 *
 * - resident: KV on the instance — prompts in prefill, prompts held for their
 *   hand-off, landed and decoding requests (with their growth).
 * - reserved: room promised to hand-offs in flight to it (they land into it).
 *
 * Seams, not built here:
 * - Prefix cache (issue 20): cached blocks would be a third sum, `cached`, held in the
 *   memory active requests do not use. Active requests always win: `fits` keeps
 *   counting only resident + reserved, and a change that would push resident +
 *   reserved + cached over capacity evicts cached blocks (LRU) first, inside `change`.
 *   `record` would report resident + reserved + cached.
 * - Autoscaler (issue 21): switching an instance off is `clear` (its KV is gone, as on
 *   a failure) while its owner stops taking work; switching it on needs nothing here.
 */
export class KvLedger {
  private resident_tokens = 0;
  private reserved_tokens = 0;

  constructor(
    private readonly instance: Instance,
    readonly capacity_tokens: number,
  ) {}

  /** KV tokens resident or reserved. */
  get used(): number {
    return this.resident_tokens + this.reserved_tokens;
  }

  get reserved(): number {
    return this.reserved_tokens;
  }

  /** Room for `tokens` more without breaking the capacity. */
  fits(tokens: number): boolean {
    return this.resident_tokens + this.reserved_tokens + tokens <= this.capacity_tokens;
  }

  /** KV that is now on the instance: a prompt starts prefill, an evicted request is readmitted. */
  hold(tokens: number): void {
    this.change(tokens, 0);
  }

  /** Decode steps appended `tokens` tokens of KV. */
  grow(tokens: number): void {
    this.change(tokens, 0);
  }

  /** KV leaves: a request finished, was evicted, or its hand-off took its prompt away. */
  release(tokens: number): void {
    this.change(-tokens, 0);
  }

  /** Promise room to a hand-off before its transfer starts. */
  reserve(tokens: number): void {
    this.change(0, tokens);
  }

  /** A reserved hand-off arrived: its room becomes resident KV. */
  land(tokens: number): void {
    this.change(tokens, -tokens);
  }

  /** A reserved hand-off was stopped before it arrived. */
  unreserve(tokens: number): void {
    this.change(0, -tokens);
  }

  /** The instance failed: every token of KV on it, and every promise, is gone. */
  clear(): void {
    this.resident_tokens = 0;
    this.reserved_tokens = 0;
  }

  /**
   * Record the KV in use at `now` (the node table's `kv_used_frac`). Owners record at
   * their scheduling points, as before the ledger: a change between two of them lasts
   * no simulated time. `growthInFlight`: tokens a fast-forwarded decode run has
   * appended by `now` that the ledger gets only when the run ends (one `grow` per run,
   * not one per step).
   */
  record(now: number, growthInFlight = 0): void {
    this.instance.setKvUsed(now, this.resident_tokens + this.reserved_tokens + growthInFlight);
  }

  private change(resident: number, reserved: number): void {
    const r = (this.resident_tokens += resident);
    const q = (this.reserved_tokens += reserved);
    if (r + q > this.capacity_tokens || r < 0 || q < 0) {
      throw new InvariantError(
        `KV ledger of ${this.instance.name}: ${r} resident + ${q} reserved tokens against a capacity of ${this.capacity_tokens}`,
      );
    }
  }
}
