// Regenerates the report screenshots in docs/report/ (npm run screenshots): runs the
// four built-in scenarios, writes their report and photographs its charts in Debian's
// chromium (set SPLITSIM_CHROMIUM to use another).
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { loadScenario } from '../sim/index.js';
import { summaryTable } from '../sim/metrics/summary.js';
import { writeTable } from '../sim/metrics/write.js';
import { buildReport, readRuns, writeReport } from '../sim/report/index.js';
import { runScenarioToFolder } from '../sim/run-to-folder.js';

const root = new URL('..', import.meta.url).pathname;
const BUILT_INS = ['aws-split-llama70b', 'h100-split-llama70b', 'h100-colocated-llama70b', 'trn2-colocated-llama70b'];
const SHOTS = [
  'summary',
  'ttft-cdf',
  'tpot-cdf',
  'pool-queue',
  'heatmap-aws-split-llama70b',
  'links-aws-split-llama70b',
  'time-breakdown',
];

const out = mkdtempSync(join(tmpdir(), 'splitsim-screenshots-'));
const dirs = BUILT_INS.map((name) => {
  const dir = join(out, name);
  return { dir, summary: runScenarioToFolder(loadScenario(join(root, 'scenarios', `${name}.json`)), dir).summary };
});
writeTable(join(out, 'summary.arrow'), summaryTable(dirs.map((d) => d.summary)));
const path = writeReport(
  out,
  buildReport(
    readRuns(
      out,
      dirs.map((d) => d.dir),
    ),
  ),
);

const browser = await chromium.launch({
  executablePath: process.env.SPLITSIM_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
await page.goto(`file://${path}`);
const docs = join(root, 'docs', 'report');
mkdirSync(docs, { recursive: true });
for (const id of SHOTS) {
  await page.locator(`#${id}`).screenshot({ path: join(docs, `${id}.png`) });
  console.log(`wrote docs/report/${id}.png`);
}
await browser.close();
console.log(`(the whole report: ${path})`);
