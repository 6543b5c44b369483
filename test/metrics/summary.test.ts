// The run summary's quantiles and counts, against arquero over the request table.
import * as aq from 'arquero';
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { quantiles } from '../../sim/metrics/latency-columns.js';
import { baseScenario } from '../helpers/base-scenario.js';
import { column } from '../helpers/queueing.js';

describe('run summary', () => {
  it('quantiles are arquero’s (R type 7), NaN left out', () => {
    let state = 7;
    const u = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (const n of [1, 2, 3, 10, 1001]) {
      const values = Float64Array.from({ length: n }, () => (u() < 0.1 ? NaN : u() * 100));
      const ps = [0, 0.01, 0.5, 0.9, 0.99, 1];
      const expected = ps.map(
        (p) =>
          aq
            .table({ v: Array.from(values) })
            .rollup({ q: aq.op.quantile('v', p) })
            .get('q', 0) as number | null,
      );
      expect(quantiles(values, ps).map((v) => (Number.isNaN(v) ? null : v))).toEqual(expected.map((v) => v ?? null));
    }
  });

  it('equals arquero over the measured completed rows of requests.arrow', () => {
    const r = runScenario(checkScenario({ ...baseScenario(), duration_s: 300, warmup_s: 30 }, 'base.json'));
    const t = r.tables.requests;
    const status = t.getChild('status')!;
    const warm = t.getChild('warmup')!;
    const rows = { ttft: [] as number[], tpot: [] as number[], e2e: [] as number[] };
    const [ttft, tpot, e2e] = ['ttft_s', 'tpot_s', 'e2e_s'].map((c) => column(t, c));
    let measured = 0;
    for (let i = 0; i < t.numRows; i++) {
      if (warm.get(i)) continue;
      measured++;
      if (status.get(i) !== 'completed') continue;
      rows.ttft.push(ttft![i]!);
      rows.tpot.push(tpot![i]!);
      rows.e2e.push(e2e![i]!);
    }
    const expected = aq
      .table(rows)
      .rollup({
        ttft99: aq.op.quantile('ttft', 0.99),
        tpot50: aq.op.quantile('tpot', 0.5),
        e2e99: aq.op.quantile('e2e', 0.99),
        ttftMean: aq.op.mean('ttft'),
      })
      .object() as Record<string, number>;
    const s = r.summary;
    expect(s.ttft_p99_s).toBe(expected.ttft99);
    expect(s.tpot_p50_s).toBe(expected.tpot50);
    expect(s.e2e_p99_s).toBe(expected.e2e99);
    expect(s.ttft_mean_s).toBeCloseTo(expected.ttftMean as number, 12);
    expect(s.measured_requests).toBe(measured);
    expect(s.requests).toBe(t.numRows);
  });
});
