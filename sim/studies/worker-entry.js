// A sweep's worker thread when the simulator runs from its TypeScript sources (tests,
// tsx): threads start without the parent's loader, so register tsx here, then load the
// worker proper. The compiled build (dist/) starts sweep-worker.js directly and never
// loads this file (tsc does not copy it), so tsx stays a development dependency.
import { register } from 'tsx/esm/api';

register();
await import('./sweep-worker.ts');
