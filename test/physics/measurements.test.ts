// The measurement set (docs/measurements.csv) and what npm run calibrate made of it:
// every row sourced and complete, the rows the calibration simulates resolvable in the
// catalogs, the generated section of docs/validation.md equal to what its results file
// renders to, and a sample of single-request rows still simulating to the recorded
// values. The errors themselves are not asserted: the set measures the physics as it is.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HARDWARE, MODELS } from '../../sim/physics/index.js';
import { COLUMNS, csvField, family, readMeasurements } from '../../scripts/calibration/measurements.js';
import { currentSection, parseResultsCsv, renderSection, resultsCsv } from '../../scripts/calibration/report.js';
import { INLINE_MODELS } from '../../scripts/calibration/scenario.js';
import { simulateRow } from '../../scripts/calibration/simulate.js';

const docs = (name: string) => new URL(`../../docs/${name}`, import.meta.url);
const rows = readMeasurements(docs('measurements.csv').pathname);
const simulated = rows.filter((r) => r.use !== 'excluded');

describe('docs/measurements.csv', () => {
  it('holds 50–100 rows, with fit or validate rows on H100, H200, Trainium2 and CS-3', () => {
    expect(rows.length).toBeGreaterThanOrEqual(50);
    expect(rows.length).toBeLessThanOrEqual(100);
    expect(new Set(simulated.map((r) => family(r.hardware)))).toEqual(new Set(['h100-sxm', 'h200-sxm', 'trn2', 'cs3']));
  });

  it('every simulated row names catalog hardware and a catalog or inline model', () => {
    for (const r of simulated) {
      expect(HARDWARE[r.hardware], r.id).toBeDefined();
      expect(MODELS[r.model] ?? INLINE_MODELS[r.model], r.id).toBeDefined();
    }
  });

  it("every row's published figure is printed in the section of docs/measurements-sources.md with its address, and its value is that figure in SI units", () => {
    const sections = readFileSync(docs('measurements-sources.md'), 'utf8').split(/\n(?=## Source: )/);
    const scale: Record<string, number> = { ms: 1e-3, s: 1, 'tokens/s': 1, 'tokens/s/GPU': 1 };
    for (const r of rows) {
      const section = sections.find((s) => s.split('\n').some((line) => line === `Address: ${r.sourceUrl}`));
      expect(section, `${r.id}: no section with Address: ${r.sourceUrl}`).toBeDefined();
      expect(section!.includes(r.raw.published), `${r.id}: '${r.raw.published}' not in its source section`).toBe(true);
      expect(scale[r.raw.unit], `${r.id}: unit ${r.raw.unit}`).toBeDefined();
      expect(r.value, r.id).toBeCloseTo(Number(r.raw.published.replace(/,/g, '')) * scale[r.raw.unit]!, 9);
    }
  });

  it('cites no local paths (a clone has none of them)', () => {
    for (const name of ['measurements.csv', 'measurements-sources.md', 'measurements.md', 'measurements-results.csv']) {
      expect(readFileSync(docs(name), 'utf8'), name).not.toMatch(/\/work\/|\.\.\/shared|file:\/\//);
    }
  });

  it('refuses a row without a source address or with an unpinned GitHub address, naming the row', () => {
    const dir = mkdtempSync(join(tmpdir(), 'measurements-'));
    const good = rows[0]!.raw;
    const line = (over: Partial<Record<string, string>>) => COLUMNS.map((c) => csvField(over[c] ?? good[c])).join(',');
    const file = join(dir, 'm.csv');
    writeFileSync(
      file,
      [
        COLUMNS.join(','),
        line({ id: 'a', source_url: '' }),
        line({ id: 'b', source_url: 'https://github.com/o/r/blob/main/x.md' }),
      ].join('\n') + '\n',
    );
    expect(() => readMeasurements(file)).toThrow(
      /row 2 \(a\): source_url must be an https address[\s\S]*row 3 \(b\): source_url must pin a commit/,
    );
  });
});

describe('npm run calibrate output', () => {
  const resultsText = readFileSync(docs('measurements-results.csv'), 'utf8');
  const results = parseResultsCsv(resultsText);

  it('has one result per row, in the order of the set', () => {
    expect(results.map((r) => r.id)).toEqual(rows.map((r) => r.id));
  });

  it("docs/validation.md's measurement section is what the results file renders to", () => {
    expect(currentSection(readFileSync(docs('validation.md'), 'utf8'))).toBe(renderSection(results));
  });

  it('a sample of single-request rows simulates to the recorded values', () => {
    const sample = [
      'neuron-trn2-70b-ttft',
      'neuron-trn2-405b-tpot',
      'trtllm0.9-h100-llama2-70b-tp4-128-ttft',
      'nim1.8-h100-70b-tp2-5000-500-c1-ttft',
      'cerebras-cs3-70b-launch',
    ];
    const recorded = new Map(
      resultsText
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((line) => [line.slice(0, line.indexOf(',')), line]),
    );
    for (const id of sample) {
      const row = rows.find((r) => r.id === id);
      expect(row?.arrival?.kind, id).toBe('single');
      // Every column but the last (the held-out error, which needs a refit).
      const withoutHeldOut = (line: string | undefined) => line?.slice(0, line.lastIndexOf(','));
      expect(
        withoutHeldOut(
          resultsCsv([simulateRow(row!)])
            .trimEnd()
            .split('\n')[1],
        ),
        id,
      ).toBe(withoutHeldOut(recorded.get(id)));
    }
  });
});
