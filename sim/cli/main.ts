import { join } from 'node:path';
import { InvariantError } from '../engine/index.js';
import { type SummaryRow, summaryTable } from '../metrics/summary.js';
import { writeTable } from '../metrics/write.js';
import { describeTrend } from '../metrics/overload.js';
import { runScenarioToFolderAsync } from '../run-to-folder.js';
import { loadScenario } from '../scenario/load.js';
import { MODELS } from '../physics/index.js';
import { didYouMean, InputError } from '../scenario/problems.js';
import type { ResolvedScenario } from '../scenario/resolved.js';
import { integerOption, parseCommand } from './args.js';
import { formatCatalog } from './catalog.js';
import { formatComparison, formatPoints, formatSummary } from './format.js';
import { checkpoint, Interrupted, Interruptions } from './interrupt.js';
import { outDir } from './out-dir.js';
import { ProgressBar } from './progress.js';
import type { ReportOptions, ResultSet } from '../report/index.js';

// Sweeps, plans and reports are imported when their command runs: they bring arquero,
// Observable Plot and linkedom (~1.5 s to load), which `run` and `validate` do not
// need, and a capacity study may start the CLI thousands of times.
const studies = () => import('../studies/sweep-command.js');
const reports = () => import('../report/index.js');

const USAGE = `splitsim — discrete-event simulator of disaggregated LLM inference datacenters

Usage:
  splitsim run FILE... [--out DIR] [--seed N] [--report] [--quiet]   simulate scenarios, write Arrow tables
  splitsim validate FILE...                               check scenario, sweep and plan files without running
  splitsim catalog [--model ID] [--weights F] [--kv F]    models and hardware with derived figures
  splitsim sweep FILE [--out DIR] [--workers N] [--shard K/N]   a parameter sweep with replications
  splitsim merge DIR                                      build a sharded sweep's summary
  splitsim plan FILE [--out DIR]                          the cheapest datacenter that meets the SLO
  splitsim report DIR [--all] [--heat METRIC]             DIR/report.html: charts of a run, sweep or plan
  splitsim help [COMMAND]                                 this text, or a command's

Exit status: 0 success, 2 bad input (file and field named), 1 anything else.
Docs: README.md, docs/metrics.md (tables), docs/physics.md (models), docs/studies.md.`;

const HELP: Record<string, string> = {
  run: `Usage: splitsim run FILE... [--out DIR] [--seed N] [--report] [--quiet]

Simulate each scenario file and write its tables to DIR/<scenario name>/:
requests.arrow, nodes.arrow, pools.arrow, links.arrow, summary.arrow (columns:
docs/metrics.md). With several files, DIR/summary.arrow holds one row per scenario
and a comparison table is printed. Every file is checked before any runs; a bad one
stops the batch with exit 2.

Options:
  --out DIR   results folder (default: results)
  --seed N    override each scenario's seed (integer)
  --report    also write report.html (DIR/<name>/ for one scenario, DIR/ for several)
  -q, --quiet no summary on stdout, no progress bar on stderr
  -h, --help  this text`,
  validate: `Usage: splitsim validate FILE...

Check scenario, sweep and plan files without running them. Prints every problem with
its file and field path, or "ok" per file. Exit 2 if any file is invalid.
A file with a top-level "vary" is a sweep: its fields, its base scenario and the
scenario of every grid point are checked (10,000 points at most: a larger grid is
checked on a sample holding every value of each path). A file with "split" or "mixed"
is a plan: its fields, its base (with an SLO) and every candidate at 1 and at
max_instances instances. Anything else is a scenario (schema, names, cross-field rules).`,
  sweep: `Usage: splitsim sweep FILE [--out DIR] [--workers N] [--shard K/N] [--quiet]

Run a sweep file: { "name", "base": scenario file, "vary": { field path: [values] },
"replications": R }. Every combination of the varied values runs R times; replication
r uses seed base.seed + r at every point (common random numbers across the grid).
Writes DIR/<name>/runs/<run id>/ per run and DIR/<name>/summary.arrow: one row per run
and one per point with means and 95% confidence half-widths (<metric>_ci95). A sweep
holds at most 1,000,000 runs (points x replications; docs/studies.md says why).

Options:
  --out DIR      results folder (default: results)
  --workers N    runs at once: this thread and N − 1 worker threads (default: this machine's cores)
  --report       also write DIR/<name>/report.html (not for a shard)
  --shard K/N    run only shard K of N (1 <= K <= N, as vitest/jest/playwright count;
                 also --shard=K/N) into DIR/<name>/shards/; then 'splitsim merge
                 DIR/<name>'. Shard K holds runs K, K+N, K+2N, … of the grid. Without
                 the flag, read from a scheduler's array index, which counts from 0:
                 JOB_COMPLETION_INDEX (Kubernetes) and AWS_BATCH_JOB_ARRAY_INDEX (AWS
                 Batch) give K = index + 1 with N = SPLITSIM_SHARDS; Slurm gives
                 K = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1 (divided by the
                 step) of SLURM_ARRAY_TASK_COUNT
  -q, --quiet    no progress bar, no table`,
  merge: `Usage: splitsim merge DIR

Merge the shards of a sweep (DIR is <out>/<sweep name>) into DIR/summary.arrow: the same
rows an unsharded run writes. Fails with exit 2, naming them, if runs are missing, if a
shard file is truncated or corrupt, or if shards ran different sweep files under the
same name (each shard records its sweep's fingerprint: base scenario, vary, replications).`,
  plan: `Usage: splitsim plan FILE [--out DIR] [--report] [--quiet]

Capacity planning. FILE: { "name", "base": scenario (model, workload, SLO, network),
"split": { "prefill": POOL, "decode": POOL }, "mixed": POOL, "rack_uplink_gbps",
"headroom": 1, "check_seeds": 2, "goodput": true } with POOL = { "candidates":
[hardware id or { "hardware", "devices" }], "max_instances": N }. Finds the cheapest
datacenter whose run meets the SLO at headroom × the base rate (1.2: 20% above it;
at least 1; bisection on instance counts, pruned by cost), recommends it only if it
also meets the SLO on check_seeds fresh seeds at that rate (otherwise tries the
next-cheapest), re-runs it with one instance fewer per pool, and finds the highest
rate it sustains.
Writes DIR/<name>/plan.arrow (every design evaluated) and prints the recommendation
and the cost / p99 TTFT Pareto frontier.

Options:
  --out DIR    results folder (default: results)
  --report     also write DIR/<name>/report.html
  -q, --quiet  no progress line on stderr, no table on stdout`,
  report: `Usage: splitsim report DIR [--all] [--heat METRIC]...

Write DIR/report.html: one self-contained page (inline SVG charts, no scripts, no
network) to open in any browser, share or print. DIR is what run, sweep or plan wrote:
- a scenario folder (DIR/<name>/) or a folder of them (DIR/: the latest batch, the
  scenarios of DIR/summary.arrow written by the last run, side by side in its order;
  --all adds the older folders beside it): latency CDFs with the SLO, latency, queues and busy
  fraction over time, utilisation heat maps per instance (busy fraction and MFU),
  hand-off link utilization, where a
  request's time goes, and the summary table;
- a sweep (DIR/<sweep name>/): each metric against each varied parameter with its 95%
  confidence band;
- a plan (DIR/<plan name>/): the cost / p99 latency Pareto frontier with the
  recommendation.
What each chart is drawn from: docs/report.md.

Options:
  --all          a folder of runs: draw every scenario folder, not only the latest batch
  --heat METRIC  draw the per-instance heat maps on this nodes.arrow column: busy_frac,
                 mfu, mbu or kv_used_frac (repeatable; default: busy_frac and mfu)`,
  catalog: `Usage: splitsim catalog [--model ID] [--weights bf16|fp8] [--kv bf16|fp8]

List the built-in models and hardware, and for each model on each hardware: devices
per replica (the fewest that fit, the default for a node group's "devices"), KV
capacity in tokens, single-user decode tokens/s, prefill tokens/s and the replica's
hourly price. Sources and assumptions: docs/physics.md.

Options:
  --model ID      only this model (repeatable)
  --weights F     weight precision, bf16 (default) or fp8
  --kv F          KV-cache precision, bf16 (default) or fp8`,
};

/** The CLI; returns the exit status. The only module that decides exit codes. */
export async function main(argv: string[]): Promise<number> {
  const interruptions = new Interruptions();
  try {
    const status = await dispatch(argv, interruptions.signal);
    // A signal that came while the command could not stop (writing a report, say):
    // the work is complete, but the caller asked to stop, and hears so.
    return interruptions.reason?.status ?? status;
  } finally {
    interruptions.stop();
  }
}

async function dispatch(argv: string[], signal: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await run(rest, signal);
      case 'validate':
        return await validate(rest);
      case 'catalog':
        return catalog(rest);
      case 'sweep':
        return await sweep(rest, signal);
      case 'merge':
        return await merge(rest);
      case 'plan':
        return await plan(rest, signal);
      case 'report':
        return await reportCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h': {
        const topic = rest[0];
        if (topic === undefined) {
          console.log(USAGE);
          return 0;
        }
        if (topic === 'help' || topic === '--help' || topic === '-h') {
          console.log(`Usage: splitsim help [COMMAND]

Without COMMAND, the list of commands; with one, that command's usage and options
(the same text as 'splitsim COMMAND --help').`);
          return 0;
        }
        const text = HELP[topic];
        // A misspelt topic is a mistake to point out (exit 2), not a request for the overview.
        if (!text) {
          const commands = [...Object.keys(HELP), 'help'];
          throw new InputError('splitsim help', [
            {
              path: '',
              message: `unknown command '${topic}'${didYouMean(topic, commands)}; commands: ${commands.join(', ')}`,
            },
          ]);
        }
        console.log(text);
        return 0;
      }
      default: {
        const commands = [...Object.keys(HELP), 'help'];
        throw new InputError('splitsim', [
          {
            path: '',
            message: `unknown command '${command}'${didYouMean(command, commands)}; commands: ${commands.join(', ')}`,
          },
        ]);
      }
    }
  } catch (err) {
    // Whatever an interruption made fail (a terminated worker thread, say), it was the interruption.
    return report(signal.aborted ? signal.reason : err);
  }
}

function report(err: unknown): number {
  if (err instanceof Interrupted) {
    // A closed pipe gets no message: there may be nowhere left to write it.
    if (err.signal !== 'SIGPIPE') console.error(`splitsim: ${err.message}; nothing unfinished is left behind`);
    return err.status;
  }
  if (err instanceof InputError) {
    console.error(err.message);
    return 2;
  }
  if (err instanceof InvariantError) {
    console.error(`splitsim: internal invariant broken (a bug; please report it): ${err.message}`);
    if (process.env.SPLITSIM_DEBUG) console.error(err.stack);
    return 1;
  }
  console.error(`splitsim: ${(err as Error).message ?? String(err)}`);
  if (process.env.SPLITSIM_DEBUG) console.error((err as Error).stack);
  return 1;
}

/** Load every file, collecting all input errors before anything runs. */
function loadAll(command: string, files: string[]): ResolvedScenario[] {
  if (files.length === 0)
    throw new InputError(`splitsim ${command}`, [{ path: '', message: 'needs at least one scenario FILE' }]);
  const scenarios: ResolvedScenario[] = [];
  const errors: InputError[] = [];
  for (const file of files) {
    try {
      scenarios.push(loadScenario(file));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
    }
  }
  if (errors.length > 0) throw InputError.combine(errors);
  const names = new Map<string, string>();
  for (const s of scenarios) {
    const other = names.get(s.name);
    if (other)
      throw new InputError(s.source, [
        { path: 'name', message: `"${s.name}" is also the name of ${other}; results would overwrite each other` },
      ]);
    names.set(s.name, s.source);
  }
  return scenarios;
}

async function validate(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand('validate', argv, {});
  if (values.help) return help('validate');
  if (positionals.length === 0)
    throw new InputError('splitsim validate', [
      { path: '', message: 'needs at least one FILE (scenario, sweep or plan)' },
    ]);
  // Sweeps and plans are told apart by their shape (docs/studies.md); every file is
  // checked and every problem reported before anything is printed as ok.
  const { checkPlanFile, checkSweepFile, fileKind } = await import('../studies/check-study.js');
  const ok: string[] = [];
  const errors: InputError[] = [];
  const scenarioFiles: string[] = [];
  for (const file of positionals) {
    const kind = fileKind(file);
    if (kind === 'scenario') {
      scenarioFiles.push(file);
      continue;
    }
    try {
      ok.push(`${file}: ok (${kind === 'sweep' ? checkSweepFile(file) : checkPlanFile(file)})`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
    }
  }
  if (scenarioFiles.length > 0) {
    try {
      for (const s of loadAll('validate', scenarioFiles))
        ok.push(`${s.source}: ok (${s.name}, ${s.instances.length} instances)`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
    }
  }
  if (errors.length > 0) throw InputError.combine(errors);
  for (const line of ok) console.log(line);
  return 0;
}

async function run(argv: string[], signal: AbortSignal): Promise<number> {
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
  const summaries: SummaryRow[] = [];
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
    if (typeof unfinished === 'number' && unfinished > 0) {
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

/** Build and write a results folder's report.html. */
async function writeReportOf(results: ResultSet, dir: string, options: ReportOptions = {}): Promise<string> {
  const { buildReport, writeReport } = await reports();
  return writeReport(dir, buildReport(results, options));
}

function announce(path: string, quiet: boolean): void {
  if (!quiet) console.log(`report: ${path}`);
}

async function reportCommand(argv: string[]): Promise<number> {
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

function catalog(argv: string[]): number {
  const { values } = parseCommand('catalog', argv, {
    model: { type: 'string', multiple: true },
    weights: { type: 'string' },
    kv: { type: 'string' },
  });
  if (values.help) return help('catalog');
  const format = (name: string, v: unknown): 'bf16' | 'fp8' => {
    if (v === undefined || v === 'bf16' || v === 'fp8') return (v ?? 'bf16') as 'bf16' | 'fp8';
    throw new InputError('splitsim catalog', [
      { path: `--${name}`, message: `must be one of "bf16", "fp8", got ${JSON.stringify(v)}` },
    ]);
  };
  const models = values.model as unknown as string[] | undefined;
  for (const id of models ?? []) {
    if (!MODELS[id]) {
      throw new InputError('splitsim catalog', [
        {
          path: '--model',
          message: `unknown model '${id}'${didYouMean(id, Object.keys(MODELS))}; catalog: ${Object.keys(MODELS).join(', ')}`,
        },
      ]);
    }
  }
  console.log(formatCatalog({ weights: format('weights', values.weights), kv: format('kv', values.kv) }, models));
  return 0;
}

async function sweep(argv: string[], signal: AbortSignal): Promise<number> {
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
  const { defaultWorkers } = await import('../studies/sweep-run.js');
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

async function merge(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand('merge', argv, {});
  if (values.help) return help('merge');
  if (positionals.length !== 1)
    throw new InputError('splitsim merge', [{ path: '', message: 'needs exactly one DIR' }]);
  const { mergeSweep } = await studies();
  const { plan, summary } = mergeSweep(positionals[0] as string);
  console.log(formatPoints(plan, summary));
  return 0;
}

async function plan(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommand('plan', argv, {
    out: { type: 'string' },
    report: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) return help('plan');
  if (positionals.length !== 1)
    throw new InputError('splitsim plan', [{ path: '', message: 'needs exactly one plan FILE' }]);
  const { describeDesign, runPlan } = await import('../studies/plan.js');
  const { formatPlan, planTable } = await import('./plan-output.js');
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

function help(command: string): number {
  console.log(HELP[command]);
  return 0;
}
