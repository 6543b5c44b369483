// Small result folders for the report tests: a batch of two runs, a sweep and a plan.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkScenario } from '../../sim/index.js';
import { runScenarioToFolder } from '../../sim/run-to-folder.js';
import { writeTable } from '../../sim/metrics/write.js';
import { summaryTable } from '../../sim/metrics/summary.js';
import { runSweep } from '../../sim/studies/sweep-command.js';
import { runPlan } from '../../sim/studies/plan.js';
import { planTable } from '../../sim/cli/plan-output.js';
import { smallPlanBase } from '../helpers/base-scenario.js';

/** Llama 3.1 8B split across two racks with a network, one decode instance down for a while. */
export function splitScenario(name: string, decoders: number, faults = false): Record<string, unknown> {
  return {
    name,
    seed: 2,
    duration_s: 40,
    warmup_s: 5,
    model: 'llama-3.1-8b',
    datacenter: {
      racks: [
        { name: 'pre', uplink_gbps: 400, nodes: [{ hardware: 'h100-sxm', devices: 1, count: 2, role: 'prefill' }] },
        {
          name: 'dec',
          uplink_gbps: 400,
          nodes: [{ hardware: 'h100-sxm', devices: 1, count: decoders, role: 'decode' }],
        },
      ],
      network: { kv_transfer: 'network', spine_gbps: 1600, latency_us: 10 },
    },
    workload: {
      arrivals: { process: 'poisson', rate_per_s: 12 },
      prompt_tokens: { dist: 'lognormal', median: 1500, sigma: 0.7, max: 8000 },
      output_tokens: { dist: 'lognormal', median: 120, sigma: 0.7, max: 800 },
    },
    slo: { ttft_s: 0.5, tpot_s: 0.03, quantile: 0.95 },
    metrics: { window_s: 2 },
    ...(faults ? { faults: { instances: [{ instance: 'dec-0/decode-0', at_s: 10, repair_s: 8 }] } } : {}),
  };
}

/** A results folder as `splitsim run a b` writes it. */
export function runBatch(): { dir: string; names: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-report-runs-'));
  const specs = [splitScenario('two-decoders', 2, true), splitScenario('three-decoders', 3)];
  const summaries = specs.map(
    (s) => runScenarioToFolder(checkScenario(s, `${s.name}.json`), join(dir, s.name as string)).summary,
  );
  writeTable(join(dir, 'summary.arrow'), summaryTable(summaries));
  return { dir, names: specs.map((s) => s.name as string) };
}

/** A 2 × 2 queueing-mode sweep with 3 replications. */
export async function sweepFolder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-report-sweep-'));
  writeFileSync(
    join(dir, 'base.json'),
    JSON.stringify({
      name: 'base',
      duration_s: 300,
      warmup_s: 30,
      datacenter: {
        racks: [
          {
            name: 'pre',
            nodes: [{ count: 2, role: 'prefill', service: { prefill: { dist: 'exponential', mean_s: 0.5 } } }],
          },
          {
            name: 'dec',
            nodes: [{ count: 2, role: 'decode', service: { decode: { dist: 'exponential', mean_s: 0.8 } } }],
          },
        ],
        network: { kv_transfer: 'off' },
      },
      workload: {
        arrivals: { process: 'poisson', rate_per_s: 1 },
        prompt_tokens: { dist: 'constant', value: 100 },
        output_tokens: { dist: 'constant', value: 10 },
      },
      scheduling: { router: 'jsq' },
      slo: { ttft_s: 2, tpot_s: 0.5, quantile: 0.9 },
    }),
  );
  writeFileSync(
    join(dir, 'sweep.json'),
    JSON.stringify({
      name: 'grid',
      base: 'base.json',
      vary: { 'workload.arrivals.rate_per_s': [1, 2], 'scheduling.router': ['jsq', 'random'] },
      replications: 3,
    }),
  );
  const outcome = await runSweep(join(dir, 'sweep.json'), { out: join(dir, 'out'), workers: 1 });
  return outcome.dir;
}

/** A small capacity plan (8B on single H100s) and its plan.arrow. */
export async function planFolder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-report-plan-'));
  writeFileSync(join(dir, 'base.json'), JSON.stringify(smallPlanBase()));
  writeFileSync(
    join(dir, 'plan.json'),
    JSON.stringify({
      name: 'small-plan',
      base: 'base.json',
      split: {
        prefill: { candidates: [{ hardware: 'h100-sxm', devices: 1 }], max_instances: 6 },
        decode: { candidates: [{ hardware: 'h100-sxm', devices: 1 }], max_instances: 6 },
      },
      mixed: { candidates: [{ hardware: 'h100-sxm', devices: 1 }], max_instances: 8 },
    }),
  );
  const out = join(dir, 'out', 'small-plan');
  writeTable(join(out, 'plan.arrow'), planTable(await runPlan(join(dir, 'plan.json'))));
  return out;
}
