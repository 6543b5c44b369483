// The library API: load a scenario, run it, write its tables.
export { runScenario, type RunOptions, type RunResult, type Progress } from './run.js';
export { loadScenario, parseScenario, checkScenario, InputError, type ResolvedScenario, type Problem } from './scenario/index.js';
export { writeTables } from './metrics/write.js';
export { InvariantError } from './engine/index.js';
