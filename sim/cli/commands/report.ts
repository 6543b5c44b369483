// splitsim report DIR: DIR/report.html for a run, a folder of runs, a sweep or a plan.
import { join } from 'node:path';
import { didYouMean, InputError } from '../../scenario/problems.js';
import { parseCommand } from '../args.js';
import { help } from '../help.js';
import { reports, writeReportOf } from '../report-output.js';

export async function reportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand('report', argv, {
    all: { type: 'boolean' },
    heat: { type: 'string', multiple: true },
  });
  if (values.help) return help('report');
  if (positionals.length !== 1)
    throw new InputError('splitsim report', [{ path: '', message: 'needs exactly one results DIR' }]);
  const dir = positionals[0] as string;
  const { readResults, HEAT_METRICS } = await reports();
  const heat = values.heat as unknown as string[] | undefined;
  for (const h of heat ?? []) {
    if (!HEAT_METRICS[h]) {
      const names = Object.keys(HEAT_METRICS);
      throw new InputError('splitsim report', [
        { path: '--heat', message: `unknown metric '${h}'${didYouMean(h, names)}; one of ${names.join(', ')}` },
      ]);
    }
  }
  const results = readResults(dir, { all: values.all === true });
  // Say what was drawn: a folder of runs holds older scenarios beside the latest batch.
  if (results.kind === 'runs') {
    const older = results.older ?? [];
    console.log(
      `drew ${results.runs.length} scenario${results.runs.length === 1 ? '' : 's'}: ${results.runs.map((r) => r.name).join(', ')}${older.length > 0 ? ` (the latest runs: the batch of ${join(dir, 'summary.arrow')}, or those written after it; left out ${older.length} older: ${older.join(', ')}; --all draws them too)` : ''}`,
    );
  }
  console.log(`report: ${await writeReportOf(results, dir, heat ? { heat } : {})}`);
  return 0;
}
