// splitsim sweep FILE: a parameter sweep with replications, on worker threads, or one shard of it.
import { parseCommand, integerOption } from '../args.js';
import { InputError } from '../../scenario/problems.js';
import { formatPoints } from '../format.js';
import { help } from '../help.js';
import { outDir } from '../out-dir.js';
import { ProgressBar } from '../progress.js';
import { announce, reports, writeReportOf } from '../report-output.js';

// Sweeps are imported when their command runs: they bring arquero (slow to load), which
// `run` and `validate` do not need, and a capacity study may start the CLI thousands of times.
export const studies = () => import('../../studies/sweep-command.js');

export async function sweep(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommand('sweep', argv, {
    out: { type: 'string' },
    workers: { type: 'string' },
    shard: { type: 'string' },
    report: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) return help('sweep');
  if (positionals.length !== 1)
    throw new InputError('splitsim sweep', [{ path: '', message: 'needs exactly one sweep FILE' }]);
  const { resolveShard, runSweep } = await studies();
  const { defaultWorkers } = await import('../../studies/sweep-run.js');
  const workers = integerOption('sweep', 'workers', values.workers as string | undefined) ?? defaultWorkers();
  if (workers < 1)
    throw new InputError('splitsim sweep', [{ path: '--workers', message: `must be at least 1, got ${workers}` }]);
  const shard = resolveShard(values.shard as string | undefined, process.env);
  const quiet = values.quiet === true;
  const bar = ProgressBar.enabled(quiet) ? new ProgressBar('sweep') : null;
  const out = outDir('sweep', values.out as string | undefined);
  let outcome;
  try {
    outcome = await runSweep(positionals[0] as string, {
      out,
      workers,
      shard,
      signal,
      onProgress: bar ? (d, t) => bar.count(d, t) : undefined,
    });
  } finally {
    bar?.done();
  }
  if (!quiet) {
    const what = shard
      ? `shard ${shard.k}/${shard.n}: ${outcome.runs} of ${outcome.plan.runCount} runs`
      : `${outcome.runs} runs`;
    console.log(`${outcome.plan.name}: ${what} → ${outcome.dir}`);
    if (outcome.summary) console.log(formatPoints(outcome.plan, outcome.summary));
    else console.log(`merge the shards with: splitsim merge ${outcome.dir}`);
  }
  if (values.report === true) {
    // A shard has no summary yet: its report comes from 'splitsim report' after the merge.
    if (outcome.summary) announce(await writeReportOf((await reports()).readResults(outcome.dir), outcome.dir), quiet);
    else console.error(`no report for a shard: run 'splitsim report ${outcome.dir}' after 'splitsim merge'`);
  }
  return 0;
}
