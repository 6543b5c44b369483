import { ResultFolder } from './metrics/write.js';
import {
  type RunOptions,
  type RunSinks,
  runScenarioStreamed,
  runScenarioStreamedAsync,
  type StreamedRunResult,
} from './run.js';
import type { ResolvedScenario } from './scenario/resolved.js';

/** What `run.json` records: the settings a reader of the tables (the report) needs. */
export interface RunInfo {
  name: string;
  description: string | null;
  source: string;
  seed: number;
  duration_s: number;
  warmup_s: number;
  horizon_s: number;
  window_s: number;
  /** A bound the scenario leaves out is absent. */
  slo: { ttft_s?: number | undefined; tpot_s?: number | undefined; quantile: number } | null;
  instances: number;
  kv_transfer: string;
  events: number;
}

function runInfo(s: ResolvedScenario, r: StreamedRunResult): RunInfo {
  return {
    name: s.name,
    description: s.description ?? null,
    source: s.source,
    seed: r.seed,
    duration_s: s.duration_s,
    warmup_s: s.warmup_s,
    horizon_s: s.horizon_s,
    window_s: s.metrics.window_s,
    slo: s.slo ?? null,
    instances: s.instances.length,
    kv_transfer: s.datacenter.network.kv_transfer,
    events: r.stats.events,
  };
}

/**
 * Run a scenario into `dir`: requests.arrow streamed as requests end and the window
 * tables as windows end, the summary's latencies kept in a scratch file (bounded
 * memory), the summary at the end, the folder replaced in one rename — or left
 * untouched if the run fails or is aborted (its staging folder removed).
 */
export function runScenarioToFolder(
  scenario: ResolvedScenario,
  dir: string,
  options: RunOptions = {},
): StreamedRunResult {
  const folder = new ResultFolder(dir);
  try {
    return finish(folder, scenario, runScenarioStreamed(scenario, sinksOf(folder), beating(folder, options)));
  } catch (err) {
    folder.abort();
    throw err;
  }
}

/**
 * The same, giving the event loop a turn every few thousand events, so that an abort
 * of `options.signal` from a signal handler stops it promptly (the CLI's way).
 */
export async function runScenarioToFolderAsync(
  scenario: ResolvedScenario,
  dir: string,
  options: RunOptions = {},
): Promise<StreamedRunResult> {
  const folder = new ResultFolder(dir);
  try {
    return finish(
      folder,
      scenario,
      await runScenarioStreamedAsync(scenario, sinksOf(folder), beating(folder, options)),
    );
  } catch (err) {
    folder.abort();
    throw err;
  }
}

function sinksOf(folder: ResultFolder): RunSinks {
  return {
    requests: folder.stream('requests'),
    windows: { nodes: folder.stream('nodes'), pools: folder.stream('pools'), links: folder.stream('links') },
    latencyScratch: folder.scratch('latencies'),
  };
}

/** The options with a progress callback that also keeps the staging folder's heartbeat. */
function beating(folder: ResultFolder, options: RunOptions): RunOptions {
  const onProgress = options.onProgress;
  return {
    ...options,
    onProgress: (p) => {
      folder.heartbeat();
      onProgress?.(p);
    },
  };
}

function finish(folder: ResultFolder, scenario: ResolvedScenario, result: StreamedRunResult): StreamedRunResult {
  for (const [name, table] of Object.entries(result.tables)) if (table) folder.write(name, table);
  folder.writeJson('run', runInfo(scenario, result));
  folder.commit();
  return result;
}
