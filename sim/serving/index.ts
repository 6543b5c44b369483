export { ServingSystem } from './pipeline.js';
export { Request, type RoutableRequest, type Stage, type Status } from './request.js';
export type { Phase } from './phase-server.js';
export { injectFaults } from './faults.js';
export { unfinished } from './request-life.js';
