import { ResultFolder } from './metrics/write.js';
import { type RunOptions, runScenarioStreamed, type StreamedRunResult } from './run.js';
import type { ResolvedScenario } from './scenario/resolved.js';

/**
 * Run a scenario into `dir`: requests.arrow streamed as requests end (bounded memory),
 * the other tables at the end, the folder replaced in one rename — or left untouched
 * if the run fails.
 */
export function runScenarioToFolder(scenario: ResolvedScenario, dir: string, options: RunOptions = {}): StreamedRunResult {
  const folder = new ResultFolder(dir);
  try {
    const result = runScenarioStreamed(scenario, folder.stream('requests'), options);
    for (const [name, table] of Object.entries(result.tables)) folder.write(name, table);
    folder.commit();
    return result;
  } catch (err) {
    folder.abort();
    throw err;
  }
}
