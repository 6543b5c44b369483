// Two runs of one scenario by different code paths (fast-forward and exact stepping)
// must give each request the same times: the largest relative difference over the
// named columns, rows aligned by request id (completion order can differ at exact
// ties). A null in one run only fails at once.
import { expect } from 'vitest';
import type { runScenario } from '../../sim/index.js';
import { column } from './queueing.js';

type Requests = ReturnType<typeof runScenario>['tables']['requests'];

/**
 * `timestamps` are compared relative to their own size; `durations` (differences of
 * timestamps, small beside them) relative to the request's end-to-end time.
 */
export function worstTimeDifference(
  a: Requests,
  b: Requests,
  timestamps: readonly string[],
  durations: readonly string[] = [],
): number {
  expect(b.numRows).toBe(a.numRows);
  const order = (t: Requests) => {
    const ids = column(t, 'request_id');
    return ids.map((_, i) => i).sort((x, y) => (ids[x] as number) - (ids[y] as number));
  };
  const ia = order(a);
  const ib = order(b);
  const e2e = column(a, 'e2e_s');
  let worst = 0;
  for (const name of [...timestamps, ...durations]) {
    const ca = column(a, name);
    const cb = column(b, name);
    const relativeToOwn = timestamps.includes(name);
    ia.forEach((row, k) => {
      const x = ca[row] as number;
      const y = cb[ib[k] as number] as number;
      if (Number.isNaN(x) || Number.isNaN(y)) {
        expect(Number.isNaN(x), `${name} null in one run only`).toBe(Number.isNaN(y));
        return;
      }
      const scale = relativeToOwn ? Math.max(Math.abs(x), Math.abs(y)) : (e2e[row] as number);
      worst = Math.max(worst, x === y ? 0 : Math.abs(x - y) / scale);
    });
  }
  return worst;
}
