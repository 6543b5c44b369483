/**
 * Order statistics without a full sort. `selectRank(a, k, lo)` reorders a[lo..] so that
 * a[k] holds the value a sort would put there, with nothing larger before it (from lo)
 * and nothing smaller after it. Quickselect with a median-of-three pivot and a
 * three-way partition (latency columns repeat values); after too many rounds the rest
 * is sorted, which bounds the worst case at a sort's cost.
 *
 * A run's summary needs a handful of quantiles of up to millions of latencies: an
 * hour of the 1,024-instance datacenter spent ~1.5 s per column sorting 7.2 M values;
 * selection is linear.
 */
export function selectRank(a: Float64Array, k: number, lo: number): void {
  let hi = a.length - 1;
  // A choice, not a derived bound: a fair pivot halves the range, so twice the rounds
  // that halving needs (plus a few for tiny ranges) only runs out on adversarial data.
  let rounds = 2 * Math.ceil(Math.log2(hi - lo + 2)) + 8;
  while (hi > lo) {
    if (rounds-- === 0) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const pivot = medianOfThree(a[lo] as number, a[lo + ((hi - lo) >> 1)] as number, a[hi] as number);
    // a[lo..lt) < pivot, a[lt..i) = pivot, a(gt..hi] > pivot.
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i <= gt) {
      const v = a[i] as number;
      if (v < pivot) {
        a[i++] = a[lt] as number;
        a[lt++] = v;
      } else if (v > pivot) {
        a[i] = a[gt] as number;
        a[gt--] = v;
      } else {
        i++;
      }
    }
    if (k < lt) hi = lt - 1;
    else if (k > gt) lo = gt + 1;
    else return;
  }
}

function medianOfThree(x: number, y: number, z: number): number {
  if (x < y) return y < z ? y : x < z ? z : x;
  return x < z ? x : y < z ? z : y;
}
