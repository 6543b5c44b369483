import { loadScenario } from '../scenario/load.js';
import { InputError } from '../scenario/problems.js';
import type { ResolvedScenario } from '../scenario/resolved.js';

/** Load every file, collecting all input errors before anything runs. */
export function loadAll(command: string, files: string[]): ResolvedScenario[] {
  if (files.length === 0)
    throw new InputError(`splitsim ${command}`, [{ path: '', message: 'needs at least one scenario FILE' }]);
  const scenarios: ResolvedScenario[] = [];
  const errors: InputError[] = [];
  for (const file of files) {
    try {
      scenarios.push(loadScenario(file));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
    }
  }
  if (errors.length > 0) throw InputError.combine(errors);
  const names = new Map<string, string>();
  for (const s of scenarios) {
    const other = names.get(s.name);
    if (other)
      throw new InputError(s.source, [
        { path: 'name', message: `"${s.name}" is also the name of ${other}; results would overwrite each other` },
      ]);
    names.set(s.name, s.source);
  }
  return scenarios;
}
