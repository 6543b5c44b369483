// The library API: load a scenario, run it, write its tables.
export { runScenario, runScenarioStreamed, type RunOptions, type RunResult, type StreamedRunResult, type Progress } from './run.js';
export { runScenarioToFolder } from './run-to-folder.js';
export { loadScenario, parseScenario, checkScenario, InputError, type ResolvedScenario, type Problem } from './scenario/index.js';
export { writeTables } from './metrics/write.js';
export { InvariantError } from './engine/index.js';
