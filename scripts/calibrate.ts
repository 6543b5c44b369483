// npm run calibrate: every row of the measurement set (docs/measurements.csv) through
// the whole simulator with the catalog's constants; writes docs/measurements-results.csv
// and the generated section of docs/validation.md. Deterministic: a rerun with the same
// code and catalog writes the same bytes. `--check` writes nothing and exits 1 when
// either file is not what a run would write.
import { readFileSync, writeFileSync } from 'node:fs';
import { readMeasurements } from './calibration/measurements.js';
import { parseResultsCsv, renderSection, replaceSection, resultsCsv } from './calibration/report.js';
import { simulateRows } from './calibration/simulate.js';

const docs = (name: string) => new URL(`../docs/${name}`, import.meta.url);
const check = process.argv.includes('--check');

const rows = readMeasurements(docs('measurements.csv').pathname);
const started = Date.now();
const csv = resultsCsv(simulateRows(rows));
// The section is rendered from the file's text, as the test re-renders it.
const validation = replaceSection(readFileSync(docs('validation.md'), 'utf8'), renderSection(parseResultsCsv(csv)));

if (check) {
  const stale = [
    ['measurements-results.csv', csv],
    ['validation.md', validation],
  ].filter(([name, text]) => readFileSync(docs(name!), 'utf8') !== text);
  for (const [name] of stale) console.error(`docs/${name} is not current: run npm run calibrate`);
  process.exitCode = stale.length > 0 ? 1 : 0;
} else {
  writeFileSync(docs('measurements-results.csv'), csv);
  writeFileSync(docs('validation.md'), validation);
  console.log(`${rows.length} rows in ${((Date.now() - started) / 1000).toFixed(1)} s: wrote docs/measurements-results.csv and the measurement section of docs/validation.md`);
}
