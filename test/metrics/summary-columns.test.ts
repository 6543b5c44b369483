// summary.arrow's columns come from the typed map SUMMARY_COLUMNS (sim/metrics/summary.ts),
// which the compiler checks against the Summary type; here, that the run's summary
// object and the written table agree with it at run time too.
import { Type } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { OPTIONAL_COLUMNS, SUMMARY_COLUMNS, summaryTable, type SummaryMetric } from '../../sim/metrics/summary.js';
import { baseScenario, edited } from '../helpers/base-scenario.js';

const ARROW_TYPE = { utf8: Type.Dictionary, bool: Type.Bool, i32: Type.Int, f64: Type.Float } as const;

describe('summary.arrow columns', () => {
  it("are the summary's fields, in the order summarize writes them, each of the type the map gives", () => {
    const result = runScenario(checkScenario(baseScenario(), 'base.json'));
    expect(Object.keys(result.summary)).toEqual(Object.keys(SUMMARY_COLUMNS));
    const fields = result.tables.summary.schema.fields;
    // The prefix cache's columns are written only with a cache (docs/metrics.md): this run has none.
    const written = Object.keys(SUMMARY_COLUMNS).filter((k) => !OPTIONAL_COLUMNS.has(k as SummaryMetric));
    expect(fields.map((f) => f.name)).toEqual(written);
    expect([...OPTIONAL_COLUMNS].map((k) => result.summary[k])).toEqual([null, null]);
    // A row with a cache's values (or a sweep mixing runs with and without): every column.
    const withCache = summaryTable([
      result.summary,
      { ...result.summary, prefix_cache_hit_rate: 0.25, prefill_tokens_saved_per_s: 100 },
    ]);
    expect(withCache.schema.fields.map((f) => f.name)).toEqual(Object.keys(SUMMARY_COLUMNS));
    expect(withCache.getChild('prefix_cache_hit_rate')?.toArray()).toEqual(new Float64Array([NaN, 0.25]));
    for (const f of fields)
      expect([f.name, f.type.typeId]).toEqual([f.name, ARROW_TYPE[SUMMARY_COLUMNS[f.name as SummaryMetric]]]);
  });

  it('write a null metric (no SLO: slo_attainment, slo_met) as null, and counts as integers', () => {
    const result = runScenario(
      checkScenario(
        edited((s) => delete s.slo),
        'base.json',
      ),
    );
    const row = result.tables.summary.get(0)!.toJSON();
    expect(result.summary.slo_attainment).toBeNull();
    expect(row.slo_attainment).toBeNull();
    expect(row.requests).toBe(result.summary.requests);
    expect(Number.isInteger(row.requests)).toBe(true);
  });

  it('refuses a misspelt metric name at compile time', () => {
    // 'ttft_p99' is not a summary metric (ttft_p99_s is): the type-check fails without the directive below.
    // @ts-expect-error
    const misspelt: SummaryMetric = 'ttft_p99';
    const right: SummaryMetric = 'ttft_p99_s';
    expect(right in SUMMARY_COLUMNS && !(misspelt in SUMMARY_COLUMNS)).toBe(true);
  });
});
