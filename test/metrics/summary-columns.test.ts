// summary.arrow's columns come from the typed map SUMMARY_COLUMNS (sim/metrics/summary.ts),
// which the compiler checks against the Summary type; here, that the run's summary
// object and the written table agree with it at run time too.
import { Type } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { SUMMARY_COLUMNS, type SummaryMetric } from '../../sim/metrics/summary.js';
import { baseScenario, edited } from '../helpers/base-scenario.js';

const ARROW_TYPE = { utf8: Type.Dictionary, bool: Type.Bool, i32: Type.Int, f64: Type.Float } as const;

describe('summary.arrow columns', () => {
  it("are the summary's fields, in the order summarize writes them, each of the type the map gives", () => {
    const result = runScenario(checkScenario(baseScenario(), 'base.json'));
    expect(Object.keys(result.summary)).toEqual(Object.keys(SUMMARY_COLUMNS));
    const fields = result.tables.summary.schema.fields;
    expect(fields.map((f) => f.name)).toEqual(Object.keys(SUMMARY_COLUMNS));
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
    // @ts-expect-error 'ttft_p99' is not a summary metric (ttft_p99_s is): the type-check fails without this line's directive.
    const misspelt: SummaryMetric = 'ttft_p99';
    const right: SummaryMetric = 'ttft_p99_s';
    expect(right in SUMMARY_COLUMNS && !(misspelt in SUMMARY_COLUMNS)).toBe(true);
  });
});
