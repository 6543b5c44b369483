import { InvariantError } from '../engine/index.js';
import { didYouMean, InputError } from '../scenario/problems.js';
import { catalog } from './commands/catalog.js';
import { merge } from './commands/merge.js';
import { plan } from './commands/plan.js';
import { reportCommand } from './commands/report.js';
import { run } from './commands/run.js';
import { sweep } from './commands/sweep.js';
import { validate } from './commands/validate.js';
import { HELP, helpCommand } from './help.js';
import { Interrupted, Interruptions } from './interrupt.js';

// One module per command (sim/cli/commands/); this one dispatches and turns what a
// command threw into the exit status. Commands that need heavy modules (sweeps, plans,
// reports: arquero, Observable Plot, linkedom, ~1.5 s to load) import them when they run.

/** The CLI; returns the exit status. The only module that decides exit codes. */
export async function main(argv: string[]): Promise<number> {
  const interruptions = new Interruptions();
  try {
    const status = await dispatch(argv, interruptions.signal);
    // A signal that came while the command could not stop (writing a report, say):
    // the work is complete, but the caller asked to stop, and hears so.
    return interruptions.reason?.status ?? status;
  } finally {
    interruptions.stop();
  }
}

async function dispatch(argv: string[], signal: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await run(rest, signal);
      case 'validate':
        return await validate(rest);
      case 'catalog':
        return catalog(rest);
      case 'sweep':
        return await sweep(rest, signal);
      case 'merge':
        return await merge(rest);
      case 'plan':
        return await plan(rest, signal);
      case 'report':
        return await reportCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        return helpCommand(rest);
      default: {
        const commands = [...Object.keys(HELP), 'help'];
        throw new InputError('splitsim', [
          {
            path: '',
            message: `unknown command '${command}'${didYouMean(command, commands)}; commands: ${commands.join(', ')}`,
          },
        ]);
      }
    }
  } catch (err) {
    // Whatever an interruption made fail (a terminated worker thread, say), it was the interruption.
    return report(signal.aborted ? signal.reason : err);
  }
}

function report(err: unknown): number {
  if (err instanceof Interrupted) {
    // A closed pipe gets no message: there may be nowhere left to write it.
    if (err.signal !== 'SIGPIPE') console.error(`splitsim: ${err.message}; nothing unfinished is left behind`);
    return err.status;
  }
  if (err instanceof InputError) {
    console.error(err.message);
    return 2;
  }
  if (err instanceof InvariantError) {
    console.error(`splitsim: internal invariant broken (a bug; please report it): ${err.message}`);
    if (process.env.SPLITSIM_DEBUG) console.error(err.stack);
    return 1;
  }
  console.error(`splitsim: ${(err as Error).message ?? String(err)}`);
  if (process.env.SPLITSIM_DEBUG) console.error((err as Error).stack);
  return 1;
}
