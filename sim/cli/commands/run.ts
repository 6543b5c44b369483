// splitsim run FILE...: simulate scenarios, write their tables (and a batch's summary).
import { join } from 'node:path';
import { summaryTable } from '../../metrics/summary.js';
import type { Summary } from '../../metrics/summary-type.js';
import { writeTable } from '../../metrics/write.js';
import { describeTrend } from '../../metrics/overload.js';
import { runScenarioToFolderAsync } from '../../run-to-folder.js';
import { integerOption, parseCommand } from '../args.js';
import { formatComparison, formatSummary } from '../format.js';
import { help } from '../help.js';
import { checkpoint } from '../interrupt.js';
import { loadAll } from '../load-all.js';
import { outDir } from '../out-dir.js';
import { ProgressBar } from '../progress.js';
import { announce, reports, writeReportOf } from '../report-output.js';

export async function run(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommand('run', argv, {
    out: { type: 'string' },
    seed: { type: 'string' },
    report: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) return help('run');
  const seed = integerOption('run', 'seed', values.seed as string | undefined);
  const out = outDir('run', values.out as string | undefined);
  const quiet = values.quiet === true;
  const scenarios = loadAll('run', positionals);
  const summaries: Summary[] = [];
  for (const scenario of scenarios) {
    await checkpoint(signal);
    const bar = ProgressBar.enabled(quiet) ? new ProgressBar(scenario.name) : null;
    const dir = join(out, scenario.name);
    let result;
    try {
      result = await runScenarioToFolderAsync(scenario, dir, {
        seed,
        signal,
        onProgress: bar ? (p) => bar.update(p) : undefined,
      });
    } finally {
      bar?.done();
    }
    const { unfinished } = result.summary;
    if (unfinished > 0) {
      console.error(
        `${scenario.name}: ${unfinished} requests were still in flight at the horizon (${scenario.horizon_s} s): ` +
          'the datacenter is overloaded for this load, or drain_s is too short. See pools.arrow for the queues.',
      );
    }
    // A backlog that drains within drain_s ends nothing unfinished: say so all the same.
    for (const trend of result.overload) if (trend.growing) console.error(describeTrend(scenario.name, trend));
    summaries.push(result.summary);
    if (!quiet) {
      console.log(
        formatSummary(result.summary, {
          seed: result.seed,
          out: dir,
          wall_s: result.stats.wall_s,
          events: result.stats.events,
        }),
      );
      console.log('');
    }
  }
  await checkpoint(signal);
  if (summaries.length > 1) {
    // A batch: one summary table across its scenarios, and the comparison on screen.
    writeTable(join(out, 'summary.arrow'), summaryTable(summaries));
    if (!quiet) console.log(`${formatComparison(summaries)}\n\n(all scenarios: ${join(out, 'summary.arrow')})`);
  }
  if (values.report === true) {
    const dirs = scenarios.map((s) => join(out, s.name));
    const reportDir = dirs.length === 1 ? (dirs[0] as string) : out;
    const { readRuns } = await reports();
    announce(await writeReportOf(readRuns(reportDir, dirs), reportDir), quiet);
  }
  return 0;
}
