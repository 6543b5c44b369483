// The datacenter-wide prefix-cache store (Mooncake-store style): blocks any prefill
// instance computed, fetched by another as a network flow that shares links with the
// KV hand-offs (docs/model.md, Prefix caching).
import type { Instance } from '../datacenter/index.js';
import type { Flow, FlowReceiver, Network, Topology } from '../datacenter/index.js';
import { PrefixCache } from './prefix-cache.js';
import type { Request } from './request.js';

export class StoreTier {
  /** The blocks the store holds, LRU within `store_gb`. */
  readonly cache: PrefixCache;
  private readonly bytesPerBlock: number;

  /**
   * @param bytesPerToken KV bytes a token of the served model (the target's: a draft
   *   model's KV is not stored, **assumption**).
   */
  constructor(
    blockTokens: number,
    storeGb: number,
    bytesPerToken: number,
    private readonly network: Network,
    private readonly topology: Topology,
  ) {
    this.bytesPerBlock = blockTokens * bytesPerToken;
    this.cache = new PrefixCache(blockTokens, Math.floor((storeGb * 1e9) / this.bytesPerBlock));
  }

  /** Bytes of `blocks` blocks. */
  bytes(blocks: number): number {
    return blocks * this.bytesPerBlock;
  }

  /** Fetch `blocks` blocks to `to` as one flow from the store; `receiver` hears it arrive. */
  fetch(to: Instance, blocks: number, receiver: FlowReceiver, request: Request): Flow {
    const { path, latency_s } = this.topology.routeFromStore(to);
    return this.network.transfer(path, this.bytes(blocks), latency_s, receiver, request);
  }
}

/**
 * A prefill instance's fetches from the store in flight, and the prompts whose fetch
 * has arrived (they join its next pass). A prompt that waits for a fetch has started
 * its prefill (its KV is held, its `prefill_start_s` stamped): the fetch is part of
 * its time to first token.
 */
export class StoreFetches implements FlowReceiver {
  private readonly fetching = new Map<Request, Flow>();
  private ready: Request[] = [];

  constructor(
    private readonly store: StoreTier,
    private readonly instance: Instance,
    private readonly arrived: () => void,
  ) {}

  start(r: Request, blocks: number): void {
    this.fetching.set(r, this.store.fetch(this.instance, blocks, this, r));
  }

  delivered(flow: Flow): void {
    const r = flow.payload as Request;
    this.fetching.delete(r);
    this.ready.push(r);
    this.arrived();
  }

  /** The prompts whose blocks have arrived, in arrival order; the list is emptied. */
  takeReady(): Request[] {
    const ready = this.ready;
    this.ready = [];
    return ready;
  }

  /** Every prompt waiting for or holding a fetch. */
  *requests(): IterableIterator<Request> {
    yield* this.fetching.keys();
    yield* this.ready;
  }

  /** The instance failed: its fetches stop; returns every prompt waiting for or holding one. */
  abortAll(): Request[] {
    const lost = [...this.requests()];
    for (const flow of this.fetching.values()) flow.abort();
    this.fetching.clear();
    this.ready = [];
    return lost;
  }
}
