import { InvariantError, type Source } from '../engine/index.js';
import type { RoutingTarget } from './phase-server.js';
import type { RoutableRequest } from './request.js';
import type { IndexedRouter } from './routers.js';

/**
 * `least-work` over a pool's live servers, kept as a tournament tree: leaf i is the
 * i-th server in the pool's order, and each inner node holds the least outstanding
 * work below it and how many leaves have it. A choice draws k = ⌊u·ties⌋ (only when
 * there are ties) and walks down to the k-th server with the least work in pool
 * order: the server a scan of the pool (`leastBy`) would return, with the same draw.
 * A change costs O(log n) over two flat arrays (a 512-server pool fits in 12 KB), a
 * choice O(log n) — instead of a scan of every instance per decision (a 512-instance
 * pool made routing a fifth of a run). The pool keeps the membership (`track`) to its
 * servers that are up; servers report their work (`workChanged`). A pool has one
 * server per instance, so a server's leaf is found by its instance's index.
 */
export class LeastWorkIndex implements IndexedRouter {
  private targets: readonly RoutingTarget[] = [];
  /** Leaf position of each tracked server, by instance index (−1: not tracked). */
  private leafOf: Int32Array = new Int32Array(0);
  /** Leaves: a power of two ≥ the servers (the rest hold +∞ and count 0). */
  private leaves = 1;
  /** Per node (1 = root, children 2i and 2i + 1, leaves from `leaves`): least work below. */
  private least: Float64Array = new Float64Array(2);
  /** …and how many leaves below have it. */
  private ties: Int32Array = new Int32Array(2);

  constructor(private readonly source: Source) {}

  /** The servers to choose among from now on, in the pool's order. */
  track(targets: readonly RoutingTarget[]): void {
    let leaves = 1;
    while (leaves < targets.length) leaves *= 2;
    let maxIndex = -1;
    for (const t of targets) maxIndex = Math.max(maxIndex, t.instance.index);
    this.targets = [...targets];
    this.leaves = leaves;
    this.least = new Float64Array(2 * leaves).fill(Infinity);
    this.ties = new Int32Array(2 * leaves);
    this.leafOf = new Int32Array(maxIndex + 1).fill(-1);
    targets.forEach((t, i) => {
      if (this.leafOf[t.instance.index] !== -1)
        throw new InvariantError(`least-work index: two servers of instance ${t.instance.name} in one pool`);
      this.leafOf[t.instance.index] = i;
      this.least[leaves + i] = t.outstandingTokens;
      this.ties[leaves + i] = 1;
    });
    for (let node = leaves - 1; node >= 1; node--) this.combine(node);
  }

  workChanged(t: RoutingTarget): void {
    const i = this.leafOf[t.instance.index] ?? -1;
    // Not tracked (its instance is down) or unchanged.
    if (i < 0 || this.targets[i] !== t) return;
    let node = this.leaves + i;
    if (this.least[node] === t.outstandingTokens) return;
    this.least[node] = t.outstandingTokens;
    for (node >>= 1; node >= 1; node >>= 1) this.combine(node);
  }

  choose<T extends RoutingTarget>(_request: RoutableRequest, targets: readonly T[]): T {
    if (targets.length !== this.targets.length)
      throw new InvariantError(`least-work index tracks ${this.targets.length} servers, asked among ${targets.length}`);
    const least = this.least;
    const ties = this.ties;
    const best = least[1] as number;
    const n = ties[1] as number;
    let k = n > 1 ? Math.floor(this.source() * n) : 0;
    let node = 1;
    while (node < this.leaves) {
      const left = 2 * node;
      if (least[left] === best) {
        if (k < (ties[left] as number)) {
          node = left;
          continue;
        }
        k -= ties[left] as number;
      }
      node = left + 1;
    }
    return targets[node - this.leaves] as T;
  }

  /** A node from its two children. */
  private combine(node: number): void {
    const least = this.least;
    const ties = this.ties;
    const l = 2 * node;
    const a = least[l] as number;
    const b = least[l + 1] as number;
    if (a < b) {
      least[node] = a;
      ties[node] = ties[l] as number;
    } else if (b < a) {
      least[node] = b;
      ties[node] = ties[l + 1] as number;
    } else {
      least[node] = a;
      ties[node] = (ties[l] as number) + (ties[l + 1] as number);
    }
  }
}
