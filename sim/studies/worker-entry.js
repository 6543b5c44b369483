// Worker threads start without the parent's TypeScript loader: register tsx here, then
// load the worker proper (the same reason bin/splitsim.js exists).
import { register } from 'tsx/esm/api';

register();
await import('./sweep-worker.ts');
