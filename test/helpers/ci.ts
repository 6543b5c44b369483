import { expect } from 'vitest';
import { batchMeans, meanInterval } from '../../sim/studies/index.js';

/**
 * Assert that `theory` lies inside the 99% batch-means confidence interval of the
 * per-customer values, and that the interval is narrow enough (`maxHalfWidth`) that
 * the test would catch a model error of the size it is meant to catch.
 */
export function expectCovers(values: ArrayLike<number>, theory: number, maxHalfWidth: number, batches = 20): void {
  const ci = meanInterval(batchMeans(values, batches), 0.99);
  const msg = `estimate ${ci.mean.toFixed(4)} ± ${ci.halfWidth.toFixed(4)} (99%), theory ${theory.toFixed(4)}`;
  expect(ci.halfWidth, `interval too wide to be a test: ${msg}`).toBeLessThanOrEqual(maxHalfWidth);
  expect(Math.abs(ci.mean - theory), msg).toBeLessThanOrEqual(ci.halfWidth);
}
