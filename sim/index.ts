/**
 * splitsim as a library: check a scenario, run it, keep or write its tables.
 *
 * A scenario goes through two steps. {@link loadScenario} (a file),
 * {@link parseScenario} (JSON text) or {@link checkScenario} (a parsed object) check it
 * and resolve its defaults, names and cross-field rules into a {@link ResolvedScenario},
 * or throw an {@link InputError} listing every problem with its field path. Then
 * {@link runScenario} simulates it in memory, or {@link runScenarioToFolder} streams
 * its tables to a folder as the CLI does.
 *
 * @example
 * ```ts
 * import { loadScenario, runScenario } from 'splitsim';
 *
 * const result = runScenario(loadScenario('scenarios/queueing/mm4-tandem.json'), { seed: 7 });
 * console.log(result.summary.completed, result.summary.ttft_p99_s);
 * ```
 *
 * @packageDocumentation
 */
import type { ResolvedScenario } from './scenario/resolved.js';
import type { scenarioSchema } from './scenario/schema.js';
import * as scenarios from './scenario/load.js';
import * as run from './run.js';
import * as toFolder from './run-to-folder.js';
import type { RunOptions, RunResult, StreamedRunResult } from './run.js';
import type * as z from 'zod';

export type { Progress, RunOptions, RunResult, RunSinks, StreamedRunResult } from './run.js';
export type { Summary } from './metrics/summary-type.js';
export type { InstanceSpec, ResolvedScenario } from './scenario/resolved.js';
export type {
  Arrivals,
  Role,
  RouterName,
  ScenarioFile,
  ServiceDistribution,
  ThinkDistribution,
  TokenDistribution,
} from './scenario/schema.js';
export { InputError, type Problem } from './scenario/problems.js';
export { InvariantError } from './engine/index.js';
export { writeTables } from './metrics/write.js';

/**
 * A scenario as written in a scenario file (fields with defaults may be left out).
 * Every field, its units and its bounds: docs/scenario.schema.json (JSON Schema, which
 * editors use for completion) and docs/model.md.
 */
export type ScenarioInput = z.input<typeof scenarioSchema>;

/**
 * Read, check and resolve a scenario file. Relative paths inside it (a trace) are
 * resolved from the file's folder.
 *
 * @param path - a scenario JSON file
 * @throws {@link InputError} when the file cannot be read or is not a valid scenario:
 *   `problems` holds every problem found, each with the file and its field path
 *   (e.g. `datacenter.racks[0].nodes[1].count`).
 */
export function loadScenario(path: string): ResolvedScenario {
  return scenarios.loadScenario(path);
}

/**
 * Check and resolve scenario JSON text.
 *
 * @param source - what to call the text in error messages; relative paths inside it
 *   are resolved from its folder
 * @throws {@link InputError} listing every problem, each with its field path.
 */
export function parseScenario(text: string, source: string): ResolvedScenario {
  return scenarios.parseScenario(text, source);
}

/**
 * Check and resolve an already-parsed scenario: any value, checked, not trusted (build
 * one in code as `const s: ScenarioInput = { … }` for the editor's help).
 *
 * @param source - what to call it in error messages; relative paths inside it are
 *   resolved from its folder ('' : the working directory)
 * @throws {@link InputError} listing every problem, each with its field path.
 */
export function checkScenario(value: unknown, source = ''): ResolvedScenario {
  return scenarios.checkScenario(value, source);
}

/**
 * Simulate a resolved scenario in memory. A run is a value: two runs of the same
 * scenario and seed in one process give identical tables and summary.
 *
 * @returns the tables (Arrow; columns in docs/metrics.md) and the {@link Summary}
 * @throws {@link InvariantError} only on a bug in splitsim (a broken invariant).
 */
export function runScenario(scenario: ResolvedScenario, options: RunOptions = {}): RunResult {
  return run.runScenario(scenario, options);
}

/**
 * Simulate a resolved scenario, streaming `requests.arrow` record batches to `sinks`
 * as requests end, so that memory stays bounded however long the run.
 */
export function runScenarioStreamed(
  scenario: ResolvedScenario,
  sinks: Parameters<typeof run.runScenarioStreamed>[1],
  options: RunOptions = {},
): StreamedRunResult {
  return run.runScenarioStreamed(scenario, sinks, options);
}

/**
 * Simulate a resolved scenario into the folder `dir`, as `splitsim run` does:
 * requests.arrow, nodes.arrow, pools.arrow, links.arrow, summary.arrow and run.json.
 * Memory stays bounded; the folder is replaced in one rename when the run ends, and
 * left untouched if it fails.
 */
export function runScenarioToFolder(
  scenario: ResolvedScenario,
  dir: string,
  options: RunOptions = {},
): StreamedRunResult {
  return toFolder.runScenarioToFolder(scenario, dir, options);
}
