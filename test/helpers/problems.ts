// What checkScenario says of a scenario object: its problems as "path: message" lines,
// none when it is valid. Any error that is not an InputError is rethrown.
import { checkScenario, InputError } from '../../sim/index.js';

export function problems(json: unknown, source = 'f.json'): string[] {
  try {
    checkScenario(json, source);
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}
