import { parseArgs } from 'node:util';
import { InputError } from '../scenario/problems.js';

/** A command's options as node:util parseArgs declares them. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/**
 * Parse argv for one command; unknown options and bad values are input errors (exit 2)
 * naming the option.
 */
export function parseCommand(
  command: string,
  argv: string[],
  options: OptionSpec,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new InputError(`splitsim ${command}`, [
      { path: '', message: (err as Error).message.replace(/\. To specify.*$/s, '') },
    ]);
  }
}

export function integerOption(command: string, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InputError(`splitsim ${command}`, [
      { path: `--${name}`, message: `must be an integer, got ${JSON.stringify(value)}` },
    ]);
  }
  return n;
}
