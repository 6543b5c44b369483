import type { Instance } from '../datacenter/instance.js';

/** An instance holding a request's KV until it is released (prefill, until hand-off). */
export interface KvHolder {
  readonly instance: Instance;
  release(request: Request): void;
}

/** A transfer in flight that can be stopped (its sender or receiver failed). */
export interface Abortable {
  abort(): void;
}

export type Status = 'completed' | 'rejected' | 'unfinished';

/**
 * Where a request is in its life; used to say why a request is unfinished. Only
 * request-life.ts moves a request between stages (the legal moves are its table).
 */
export type Stage = 'created' | 'prefill-queue' | 'prefill' | 'handoff' | 'decode-queue' | 'decode' | 'done';

/**
 * What routers and batchers may see of a request. The true output length is absent on
 * purpose: a real scheduler does not know it (invariant: policies never read it).
 */
export interface RoutableRequest {
  readonly id: number;
  readonly arrival_s: number;
  readonly promptTokens: number;
  /** Where its prefill ran (decode routing may prefer a nearby decoder). */
  readonly prefillInstance: Instance | null;
}

/**
 * One request's life. Times are simulated seconds; NaN means "did not happen" and is
 * written as null. Its stage, status and times are readonly here: request-life.ts is
 * the one writer (it checks each move), so a stray assignment does not compile.
 */
export class Request implements RoutableRequest {
  readonly stage: Stage = 'created';
  readonly status: Status | undefined;
  readonly reason: string | null = null;
  readonly prefillInstance: Instance | null = null;
  readonly decodeInstance: Instance | null = null;
  readonly prefillEnqueue_s: number = NaN;
  readonly prefillStart_s: number = NaN;
  readonly firstToken_s: number = NaN;
  readonly transferEnqueue_s: number = NaN;
  readonly transferStart_s: number = NaN;
  readonly transferEnd_s: number = NaN;
  readonly decodeEnqueue_s: number = NaN;
  readonly decodeStart_s: number = NaN;
  readonly completion_s: number = NaN;
  /** Tokens produced by decode steps so far (the first token comes from prefill). */
  decodedTokens = 0;
  /** Ids of the prompt's prefix blocks, from a Mooncake trace (for prefix caching). */
  prefixBlocks: number[] | undefined = undefined;
  /** Who holds this request's prompt KV until its hand-off completes. */
  kvHolder: KvHolder | null = null;
  /** Times this request was evicted from a decode batch for lack of KV memory. */
  readonly preemptions: number = 0;
  /** Times a failure displaced it and it started again (a phase or its hand-off). */
  retries = 0;
  /** Hand-offs of its KV that stood still behind a failed link. */
  linkStalls = 0;
  /** Its KV hand-off while in flight. */
  transfer: Abortable | null = null;

  constructor(
    readonly id: number,
    readonly arrival_s: number,
    readonly promptTokens: number,
    readonly outputTokens: number,
    readonly warmup: boolean,
  ) {}
}
