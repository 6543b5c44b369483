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

/** Where a request is in its life; used to say why a request is unfinished. */
export type Stage = 'prefill-queue' | 'prefill' | 'handoff' | 'decode-queue' | 'decode' | 'done';

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
 * written as null.
 */
export class Request implements RoutableRequest {
  stage: Stage = 'prefill-queue';
  status: Status | undefined;
  reason: string | null = null;
  prefillInstance: Instance | null = null;
  decodeInstance: Instance | null = null;
  prefillEnqueue_s = NaN;
  prefillStart_s = NaN;
  firstToken_s = NaN;
  transferEnqueue_s = NaN;
  transferStart_s = NaN;
  transferEnd_s = NaN;
  decodeEnqueue_s = NaN;
  decodeStart_s = NaN;
  completion_s = NaN;
  /** Tokens produced by decode steps so far (the first token comes from prefill). */
  decodedTokens = 0;
  /** Ids of the prompt's prefix blocks, from a Mooncake trace (for prefix caching). */
  prefixBlocks: number[] | undefined = undefined;
  /** Who holds this request's prompt KV until its hand-off completes. */
  kvHolder: KvHolder | null = null;
  /** Times this request was evicted from a decode batch for lack of KV memory. */
  preemptions = 0;
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
