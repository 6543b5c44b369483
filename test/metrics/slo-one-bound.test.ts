// An SLO may bound TTFT alone or TPOT alone; attainment then counts that bound only.
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { baseScenario } from '../helpers/base-scenario.js';
import { column } from '../helpers/queueing.js';

/** slo_attainment recomputed from requests.arrow: measured rows that completed within `ok`. */
function attainment(slo: Record<string, number>, ok: (ttft: number, tpot: number) => boolean) {
  const r = runScenario(checkScenario({ ...baseScenario(), duration_s: 120, slo }, 'base.json'));
  const t = r.tables.requests;
  const [ttft, tpot] = ['ttft_s', 'tpot_s'].map((c) => column(t, c));
  let measured = 0;
  let met = 0;
  for (let i = 0; i < t.numRows; i++) {
    if (t.getChild('warmup')!.get(i)) continue;
    measured++;
    if (t.getChild('status')!.get(i) === 'completed' && ok(ttft![i]!, tpot![i]!)) met++;
  }
  return { summary: r.summary, expected: met / measured, goodput: met / (120 - 20) };
}

describe('an SLO on one bound', () => {
  it('TTFT alone: attainment counts TTFT only, however slow the tokens', () => {
    const { summary, expected, goodput } = attainment({ ttft_s: 1, quantile: 0.5 }, (ttft) => ttft <= 1);
    expect(summary.slo_attainment).toBe(expected);
    expect(summary.goodput_rps).toBeCloseTo(goodput, 12);
    // The base scenario's TPOT bound (50 ms) would fail most requests: not counted here.
    const both = attainment(
      { ttft_s: 1, tpot_s: 0.05, quantile: 0.5 },
      (ttft, tpot) => ttft <= 1 && (Number.isNaN(tpot) || tpot <= 0.05),
    );
    expect(both.summary.slo_attainment).toBe(both.expected);
    expect(expected).toBeGreaterThan(both.expected);
    expect(summary.slo_met).toBe(expected >= 0.5);
  });

  it('TPOT alone: attainment counts TPOT only (a one-token output meets it)', () => {
    const { summary, expected } = attainment(
      { tpot_s: 0.5, quantile: 0.9 },
      (_ttft, tpot) => Number.isNaN(tpot) || tpot <= 0.5,
    );
    expect(summary.slo_attainment).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(1);
  });
});
