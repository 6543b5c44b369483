/** A Float64Array that grows by doubling (summary columns of a whole run: 8 bytes a row). */
export class GrowableFloat64 {
  private data = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** The values so far (a view, not a copy). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
