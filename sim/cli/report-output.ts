// Writing a report.html after a command, shared by run, sweep, plan and report. The
// report modules are imported when used: they bring arquero, Observable Plot and
// linkedom (~1.5 s to load), which most runs do not need.
import type { ReportOptions, ResultSet } from '../report/index.js';

export const reports = () => import('../report/index.js');

export /** Build and write a results folder's report.html. */
async function writeReportOf(results: ResultSet, dir: string, options: ReportOptions = {}): Promise<string> {
  const { buildReport, writeReport } = await reports();
  return writeReport(dir, buildReport(results, options));
}

export function announce(path: string, quiet: boolean): void {
  if (!quiet) console.log(`report: ${path}`);
}
