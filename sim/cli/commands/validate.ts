// splitsim validate FILE...: check scenario, sweep and plan files without running them.
import { InputError } from '../../scenario/problems.js';
import { parseCommand } from '../args.js';
import { help } from '../help.js';
import { loadAll } from '../load-all.js';

export async function validate(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand('validate', argv, {});
  if (values.help) return help('validate');
  if (positionals.length === 0)
    throw new InputError('splitsim validate', [
      { path: '', message: 'needs at least one FILE (scenario, sweep or plan)' },
    ]);
  // Sweeps and plans are told apart by their shape (docs/studies.md); every file is
  // checked and every problem reported before anything is printed as ok.
  const { checkPlanFile, checkSweepFile, fileKind } = await import('../../studies/check-study.js');
  const ok: string[] = [];
  const errors: InputError[] = [];
  const scenarioFiles: string[] = [];
  for (const file of positionals) {
    const kind = fileKind(file);
    if (kind === 'scenario') {
      scenarioFiles.push(file);
      continue;
    }
    try {
      ok.push(`${file}: ok (${kind === 'sweep' ? checkSweepFile(file) : checkPlanFile(file)})`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
    }
  }
  if (scenarioFiles.length > 0) {
    try {
      for (const s of loadAll('validate', scenarioFiles))
        ok.push(`${s.source}: ok (${s.name}, ${s.instances.length} instances)`);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      errors.push(err);
    }
  }
  if (errors.length > 0) throw InputError.combine(errors);
  for (const line of ok) console.log(line);
  return 0;
}
