import { InvariantError, type Source } from '../engine/index.js';
import type { RoutingTarget, WorkWatcher } from './phase-server.js';
import type { RoutableRequest } from './request.js';
import type { Router } from './routers.js';

/** Where a server sits in the index. */
interface Slot {
  target: RoutingTarget;
  score: number;
  pos: number;
}

/**
 * `least-work` over a pool's live servers, kept as an index: servers grouped by their
 * outstanding prompt tokens, and a min-heap of the amounts present. A choice is the
 * smallest amount, uniformly among the servers that have it (one draw, ⌊u·ties⌋), as
 * a scan would choose — but a change costs O(log n) and a choice O(1), instead of a
 * scan of every instance per decision (a 512-instance pool made routing a fifth of a
 * run). The pool keeps the membership (`track`) to its servers that are up; servers
 * report their work (`workChanged`). A pool has one server per instance, so a server's
 * slot is found by its instance's index, not by hashing the server.
 */
export class LeastWorkIndex implements Router, WorkWatcher {
  private readonly buckets = new Map<number, RoutingTarget[]>();
  private slots: Array<Slot | undefined> = [];
  private tracked = 0;
  /** Amounts with a bucket, possibly stale (lazily dropped when at the top). */
  private heap: number[] = [];
  /** Emptied buckets, reused: amounts of work are rarely repeated, so most changes open one. */
  private readonly spare: RoutingTarget[][] = [];

  constructor(private readonly source: Source) {}

  /** The servers to choose among from now on. */
  track(targets: readonly RoutingTarget[]): void {
    this.buckets.clear();
    this.slots = [];
    this.tracked = targets.length;
    this.heap = [];
    for (const t of targets) {
      if (this.slots[t.instance.index]) throw new InvariantError(`least-work index: two servers of instance ${t.instance.name} in one pool`);
      const slot = { target: t, score: t.outstandingTokens, pos: 0 };
      this.slots[t.instance.index] = slot;
      this.insert(t, slot);
    }
  }

  workChanged(t: RoutingTarget): void {
    const slot = this.slots[t.instance.index];
    // Not tracked (its instance is down) or unchanged.
    if (!slot || slot.target !== t || slot.score === t.outstandingTokens) return;
    this.remove(t, slot);
    slot.score = t.outstandingTokens;
    this.insert(t, slot);
  }

  choose<T extends RoutingTarget>(_request: RoutableRequest, targets: readonly T[]): T {
    if (targets.length !== this.tracked) throw new InvariantError(`least-work index tracks ${this.tracked} servers, asked among ${targets.length}`);
    const heap = this.heap;
    while (!this.buckets.has(heap[0] as number)) popHeap(heap);
    const ties = this.buckets.get(heap[0] as number) as RoutingTarget[];
    return (ties.length > 1 ? ties[Math.floor(this.source() * ties.length)] : ties[0]) as T;
  }

  private insert(t: RoutingTarget, slot: Slot): void {
    let bucket = this.buckets.get(slot.score);
    if (!bucket) {
      bucket = this.spare.pop() ?? [];
      this.buckets.set(slot.score, bucket);
      pushHeap(this.heap, slot.score);
      // Stale amounts pile up below the top: rebuild once they dominate.
      if (this.heap.length > 4 * this.buckets.size + 64) this.heap = heapOf([...this.buckets.keys()]);
    }
    slot.pos = bucket.length;
    bucket.push(t);
  }

  private remove(t: RoutingTarget, slot: Slot): void {
    const bucket = this.buckets.get(slot.score) as RoutingTarget[];
    const last = bucket.pop() as RoutingTarget;
    if (last !== t) {
      bucket[slot.pos] = last;
      (this.slots[last.instance.index] as Slot).pos = slot.pos;
    }
    if (bucket.length === 0) {
      this.buckets.delete(slot.score);
      this.spare.push(bucket);
    }
  }
}

function pushHeap(h: number[], v: number): void {
  let i = h.length;
  h.push(v);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if ((h[parent] as number) <= v) break;
    h[i] = h[parent] as number;
    i = parent;
  }
  h[i] = v;
}

function popHeap(h: number[]): void {
  const last = h.pop() as number;
  if (h.length === 0) return;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= h.length) break;
    const r = l + 1;
    const c = r < h.length && (h[r] as number) < (h[l] as number) ? r : l;
    if ((h[c] as number) >= last) break;
    h[i] = h[c] as number;
    i = c;
  }
  h[i] = last;
}

function heapOf(values: number[]): number[] {
  const h: number[] = [];
  for (const v of values) pushHeap(h, v);
  return h;
}
