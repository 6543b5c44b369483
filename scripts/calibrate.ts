// npm run calibrate: fits each hardware family's free constants to its `fit` rows of
// docs/measurements.csv (scripts/calibration/fit.ts), writes them with their provenance
// to sim/physics/fitted.ts (which the catalog reads), runs every row through the whole
// simulator on the fitted constants, refits once per source with that source left out,
// and writes docs/measurements-results.csv and the generated sections of
// docs/validation.md. Deterministic: a rerun changes nothing (the fit's date is kept
// while the fit is unchanged). `--check` writes nothing and exits 1 when a file is not
// what a run would write.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { FITTED } from '../sim/physics/fitted.js';
import { FAMILIES, type FamilyFit, fitFamily, rowsOf, withValues } from './calibration/fit.js';
import { FIT_END, FIT_START, fittedRecord, fittedSection, fittedSource, sameFit } from './calibration/fitted-file.js';
import { readMeasurements } from './calibration/measurements.js';
import { parseResultsCsv, renderSection, replaceSection, resultsCsv } from './calibration/report.js';
import { PRE_FIT_HARDWARE } from '../sim/physics/hardware.js';
import type { Catalog } from './calibration/scenario.js';
import { simulateRows } from './calibration/simulate.js';

const docs = (name: string) => new URL(`../docs/${name}`, import.meta.url);
const fittedFile = new URL('../sim/physics/fitted.ts', import.meta.url);
const check = process.argv.includes('--check');
const started = Date.now();
const log = (s: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${s}`);

const csvText = readFileSync(docs('measurements.csv'), 'utf8');
const sha256 = createHash('sha256').update(csvText).digest('hex');
const rows = readMeasurements(docs('measurements.csv').pathname);

// The full fit, family by family (their hardware entries are disjoint).
const fits = new Map<string, FamilyFit>();
// From the pre-fit catalog: a fit never depends on the one before it.
let catalog: Catalog = { hardware: PRE_FIT_HARDWARE };
for (const family of FAMILIES) {
  const fit = fitFamily(rows, family, family.evaluations.full);
  fits.set(family.name, fit);
  catalog = withValues(catalog, family, fit.values);
  log(
    `${family.name}: Σ log² ${fit.objectiveBefore.toFixed(4)} → ${fit.objectiveAfter.toFixed(4)} over ` +
      `${fit.rows.length} rows, ${fit.evaluations} evaluations`,
  );
}
let record = fittedRecord(fits, sha256, new Date().toISOString().slice(0, 10));
if (sameFit(record, FITTED)) record = { ...record, date: FITTED.date };

// Every row on the fitted constants, then leave-one-source-out: for each source that
// contributes fit rows to a family, refit the family without that source's rows
// (starting from the full fit) and simulate the source's rows on the refit.
const results = simulateRows(rows, catalog);
const heldOut = new Map<string, number>();
for (const family of FAMILIES) {
  const own = rowsOf(rows, family);
  const sources = [...new Set(own.filter((r) => r.use === 'fit').map((r) => r.sourceUrl))];
  for (const source of sources) {
    const refit = fitFamily(
      rows.filter((r) => r.sourceUrl !== source),
      family,
      family.evaluations.refit,
      fits.get(family.name)!.values,
    );
    const held = own.filter((r) => r.sourceUrl === source && r.use !== 'excluded');
    for (const r of simulateRows(held, withValues(catalog, family, refit.values))) heldOut.set(r.id, r.error);
    log(
      `${family.name} without ${source.replace(/^https:\/\/(github\.com\/)?/, '').slice(0, 60)}: ${held.length} ` +
        `rows held out`,
    );
  }
}
// A row whose source gave the family no fit rows was held out of the full fit already.
for (const r of results) r.heldOut = heldOut.get(r.id) ?? (r.use === 'validate' ? r.error : Number.NaN);

const csv = resultsCsv(results);
// The section is rendered from the file's text, as the test re-renders it.
let validation = replaceSection(readFileSync(docs('validation.md'), 'utf8'), renderSection(parseResultsCsv(csv)));
validation = replaceSection(validation, fittedSection(record, FAMILIES), FIT_START, FIT_END);
// Written as the formatter would write it, so format:check and --check agree on one text.
const fittedText = await prettier.format(fittedSource(record), {
  ...(await prettier.resolveConfig(fileURLToPath(fittedFile))),
  filepath: fileURLToPath(fittedFile),
});
const outputs: [URL, string][] = [
  [fittedFile, fittedText],
  [docs('measurements-results.csv'), csv],
  [docs('validation.md'), validation],
];
if (check) {
  const stale = outputs.filter(([url, text]) => readFileSync(url, 'utf8') !== text);
  for (const [url] of stale) console.error(`${url.pathname} is not current: run npm run calibrate`);
  process.exitCode = stale.length > 0 ? 1 : 0;
} else {
  for (const [url, text] of outputs) writeFileSync(url, text);
  log(
    `${rows.length} rows: wrote sim/physics/fitted.ts, docs/measurements-results.csv and the generated ` +
      `sections of docs/validation.md`,
  );
}
