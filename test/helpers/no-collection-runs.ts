// Set-up for every test file (vitest.config.ts `setupFiles`): a simulation run while
// vitest collects a file (in a describe body or at module level) fails at once. Such a
// run is charged to no test, runs even when the file's tests are filtered out, and its
// failure shows as a collection error; it belongs in a test or a beforeAll. Checked at
// the calendar, which every in-process simulation drives; runs in child processes or
// worker threads (CLI and sweep tests) are not seen here.
import { beforeAll } from 'vitest';
import { Calendar } from '../../sim/engine/calendar.js';

// Per test file (each file gets its own module instance): true until the file's first
// hook runs, i.e. while its describe bodies are being collected.
let collecting = true;
beforeAll(() => {
  collecting = false;
});

const run = Calendar.prototype.run;
Calendar.prototype.run = function guardedRun(this: Calendar, horizon_s: number, maxEvents?: number): boolean {
  if (collecting) {
    throw new Error(
      'a simulation ran while vitest was collecting this file (in a describe body or at module level): move it into a test or a beforeAll',
    );
  }
  return run.call(this, horizon_s, maxEvents);
};
