// splitsim plan FILE: the cheapest datacenter that meets the SLO.
import { join } from 'node:path';
import { writeTable } from '../../metrics/write.js';
import { InputError } from '../../scenario/problems.js';
import { parseCommand } from '../args.js';
import { help } from '../help.js';
import { outDir } from '../out-dir.js';
import { ProgressBar } from '../progress.js';
import { announce, reports, writeReportOf } from '../report-output.js';

export async function plan(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommand('plan', argv, {
    out: { type: 'string' },
    report: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) return help('plan');
  if (positionals.length !== 1)
    throw new InputError('splitsim plan', [{ path: '', message: 'needs exactly one plan FILE' }]);
  const { describeDesign, runPlan } = await import('../../studies/plan.js');
  const { formatPlan, planTable } = await import('../plan-output.js');
  const out = outDir('plan', values.out as string | undefined);
  const quiet = values.quiet === true;
  const tty = ProgressBar.enabled(quiet);
  let n = 0;
  let result;
  try {
    result = await runPlan(
      positionals[0] as string,
      (e) => {
        n++;
        if (tty)
          process.stderr.write(
            `\rplan: ${n} designs evaluated (last: ${describeDesign(e.design)}, ${e.meets ? 'meets' : 'misses'} the SLO)\x1b[K`,
          );
      },
      signal,
    );
  } finally {
    if (tty) process.stderr.write('\r\x1b[K');
  }
  const dir = join(out, result.name);
  writeTable(join(dir, 'plan.arrow'), planTable(result));
  if (!quiet) console.log(formatPlan(result, join(dir, 'plan.arrow')));
  if (values.report === true) announce(await writeReportOf((await reports()).readResults(dir), dir), quiet);
  return 0;
}
