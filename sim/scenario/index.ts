export { loadScenario, parseScenario, checkScenario } from './load.js';
export { InputError, type Problem, didYouMean } from './problems.js';
export type { InstanceSpec, ResolvedScenario } from './resolved.js';
export { scenarioSchema, ROUTERS, ROLES } from './schema.js';
export type { Arrivals, Role, RouterName, ServiceDistribution, TokenDistribution, ScenarioFile } from './schema.js';
