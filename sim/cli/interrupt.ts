// Signals and a closed output while a command runs. A run gives the event loop a turn
// every few thousand events (sim/run.ts), where these handlers run: they abort the
// command's AbortSignal, the run throws at its next pause, its staging folder is removed
// on the way out, and the CLI exits with 128 + the signal's number, as a shell reports
// a process the signal killed.

/** Exit status per signal: 128 + its number (POSIX shells' convention). */
export const SIGNAL_STATUS = { SIGHUP: 129, SIGINT: 130, SIGPIPE: 141, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_STATUS;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What an interrupted command throws (the AbortSignal's reason). */
export class Interrupted extends Error {
  override readonly name = 'Interrupted';

  constructor(readonly signal: StopSignal) {
    super(signal === 'SIGPIPE' ? 'output closed' : `interrupted by ${signal}`);
  }

  /** 128 + the signal's number. */
  get status(): number {
    return SIGNAL_STATUS[this.signal];
  }
}

/**
 * A closed stdout or stderr (`splitsim … | head -1`) is treated as SIGPIPE, which Node
 * ignores and which kills other command-line tools at their next write: stop writing,
 * stop the work, exit 141 (what `yes | head -1` gives under `set -o pipefail`). Results
 * already committed stay; output is not retried.
 */
const isClosedPipe = (err: NodeJS.ErrnoException) => err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED';

/**
 * After the command has returned, a write it made may still fail (a stream reports
 * EPIPE on a later tick): leave at once with 141 rather than let an unhandled 'error'
 * event print a stack trace. Installed on each stream when a command ends.
 */
function exitOnClosedPipe(err: NodeJS.ErrnoException): void {
  if (!isClosedPipe(err)) throw err;
  process.exit(SIGNAL_STATUS.SIGPIPE);
}

/**
 * Listens, while one command runs, for SIGINT, SIGTERM and SIGHUP and for a closed
 * stdout or stderr. The first turns into an abort of `signal` (reason: Interrupted);
 * a second signal while the command is still cleaning up exits at once.
 */
export class Interruptions {
  private readonly controller = new AbortController();
  private readonly onSignal = (name: NodeJS.Signals) => {
    if (this.controller.signal.aborted) process.exit(SIGNAL_STATUS[name as StopSignal] ?? 1);
    this.controller.abort(new Interrupted(name as StopSignal));
  };
  private readonly onStreamError = (err: NodeJS.ErrnoException) => {
    if (!isClosedPipe(err)) throw err;
    if (!this.controller.signal.aborted) this.controller.abort(new Interrupted('SIGPIPE'));
  };
  private readonly streams: NodeJS.WritableStream[];

  constructor(streams: NodeJS.WritableStream[] = [process.stdout, process.stderr]) {
    this.streams = streams;
    for (const s of SIGNALS) process.on(s, this.onSignal);
    for (const s of streams) {
      // While the command runs, a closed pipe aborts it (its cleanup runs first).
      s.off('error', exitOnClosedPipe);
      s.on('error', this.onStreamError);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The interruption, once one happened. */
  get reason(): Interrupted | undefined {
    return this.controller.signal.aborted ? (this.controller.signal.reason as Interrupted) : undefined;
  }

  /** Stop listening (the command is over). */
  stop(): void {
    for (const s of SIGNALS) process.off(s, this.onSignal);
    for (const s of this.streams) {
      s.off('error', this.onStreamError);
      if (!s.listeners('error').includes(exitOnClosedPipe)) s.on('error', exitOnClosedPipe);
    }
  }
}

/**
 * Between steps of a command: give the event loop a turn (signals and stream errors
 * are delivered there), then stop if the command was interrupted.
 */
export async function checkpoint(signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  signal.throwIfAborted();
}
