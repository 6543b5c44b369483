// Errors crossing a thread boundary. Structured cloning keeps an Error's message but not
// its class (an InputError arrives as a plain Error), and the CLI's exit status is
// decided by the class: 2 for bad input, 1 with the "a bug" line for an InvariantError.
// So a worker sends the class name, the message and the class's own data, and the main
// thread rebuilds the same class: exit statuses do not depend on which thread ran a run.
import { InvariantError } from '../engine/index.js';
import { InputError, type Problem } from '../scenario/problems.js';

/** An error as plain data (what postMessage can carry). */
export type ThreadError =
  | { name: 'InputError'; message: string; problems: Problem[] }
  | { name: 'InvariantError'; message: string }
  /** Any other class: its name is kept for the message; it is rebuilt as a plain Error. */
  | { name: 'Error'; message: string; originalName: string };

/** What a thrown value says, as data. */
export function toThreadError(err: unknown): ThreadError {
  if (err instanceof InputError)
    return { name: 'InputError', message: err.message, problems: err.problems.map((p) => ({ ...p })) };
  if (err instanceof InvariantError) return { name: 'InvariantError', message: err.message };
  if (err instanceof Error) return { name: 'Error', message: err.message, originalName: err.name };
  return { name: 'Error', message: String(err), originalName: typeof err };
}

/**
 * The error `e` stands for, of the class it was thrown as, naming `where` it happened
 * (e.g. "run p001-r0"), so a failure names its run whichever thread ran it.
 */
export function fromThreadError(e: ThreadError, where: string): Error {
  switch (e.name) {
    case 'InputError':
      return new InputError(
        '',
        e.problems.map((p) => ({ ...p, message: `${p.message} (in ${where})` })),
      );
    case 'InvariantError':
      return new InvariantError(`${where}: ${e.message}`);
    case 'Error':
      return new Error(`${where}: ${e.message}`);
  }
}
