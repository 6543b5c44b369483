/**
 * A first-in first-out queue: a ring buffer whose capacity doubles when full. Push and
 * shift are O(1) and allocate nothing in steady state (Array#shift is O(n), and a
 * head index over a growing array keeps re-allocating it as it compacts). Queues here
 * are short and hot: every request passes through several.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(8).fill(undefined);
  /** Capacity − 1; the capacity is a power of two. */
  private mask = 7;
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    if (this.size > this.mask) this.grow();
    this.items[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  peek(): T | undefined {
    return this.size > 0 ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return item;
  }

  /** Take `item` out wherever it is (O(n): for rare withdrawals, not the hot path). */
  remove(item: T): boolean {
    let i = 0;
    while (i < this.size && this.items[(this.head + i) & this.mask] !== item) i++;
    if (i === this.size) return false;
    // Close the gap by moving the later items forward one place.
    for (; i < this.size - 1; i++) {
      this.items[(this.head + i) & this.mask] = this.items[(this.head + i + 1) & this.mask];
    }
    this.items[(this.head + this.size - 1) & this.mask] = undefined;
    this.size--;
    return true;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.size; i++) yield this.items[(this.head + i) & this.mask] as T;
  }

  private grow(): void {
    const capacity = 2 * (this.mask + 1);
    const next = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.size; i++) next[i] = this.items[(this.head + i) & this.mask];
    this.items = next;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
