// The CLI's usage text and each command's help (test/cli/help.test.ts checks that every
// option a command parses is mentioned in its help).
import { didYouMean, InputError } from '../scenario/problems.js';

export const USAGE = `splitsim — discrete-event simulator of disaggregated LLM inference datacenters

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

export const HELP: Record<string, string> = {
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

/** `splitsim help [TOPIC]`: the overview, or a command's help; a misspelt topic is exit 2. */
export function helpCommand(rest: string[]): number {
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

/** A command's `--help`. */
export function help(command: string): number {
  console.log(HELP[command]);
  return 0;
}
