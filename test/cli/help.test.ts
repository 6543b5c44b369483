// Every command's help: reachable both ways, naming the command, and mentioning every
// option its parser accepts (read from the parser's calls, so a new option without help
// text fails here).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OptionSpec } from '../../sim/cli/args.js';

// The option specs each command hands to parseCommand, recorded as main() runs.
const specs = vi.hoisted(() => new Map<string, OptionSpec>());
vi.mock('../../sim/cli/args.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../sim/cli/args.js')>();
  return {
    ...real,
    parseCommand: (command: string, argv: string[], options: OptionSpec) => {
      specs.set(command, options);
      return real.parseCommand(command, argv, options);
    },
  };
});

const { main } = await import('../../sim/cli/main.js');

let out: string[] = [];
let err: string[] = [];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(() => vi.restoreAllMocks());

async function cli(argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  out = [];
  err = [];
  const status = await main(argv);
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** The commands the general usage lists (`  splitsim <cmd> …` lines). */
async function listedCommands(): Promise<string[]> {
  const usage = (await cli(['help'])).stdout;
  return [...usage.matchAll(/^ {2}splitsim (\S+)/gm)].map((m) => m[1] as string);
}

describe('splitsim help', () => {
  it('the general usage lists the commands (at least these eight)', async () => {
    const r = await cli(['help']);
    expect(r.status).toBe(0);
    // Guards the parsing of the usage, which the next test iterates over.
    expect(await listedCommands()).toEqual(
      expect.arrayContaining(['run', 'validate', 'catalog', 'sweep', 'merge', 'plan', 'report', 'help']),
    );
    // With no command, or --help / -h alone, the same overview.
    for (const argv of [[], ['--help'], ['-h']]) expect((await cli(argv)).stdout).toBe(r.stdout);
  });

  it('every listed command: `CMD --help` and `help CMD` exit 0 with its usage and every option it accepts', async () => {
    const commands = await listedCommands();
    expect(commands.length).toBeGreaterThan(0);
    for (const cmd of commands) {
      specs.delete(cmd);
      const direct = await cli([cmd, '--help']);
      const viaHelp = await cli(['help', cmd]);
      expect(direct.status, `${cmd} --help`).toBe(0);
      expect(viaHelp.status, `help ${cmd}`).toBe(0);
      expect(direct.stderr).toBe('');
      expect(direct.stdout.startsWith(`Usage: splitsim ${cmd}`), `${cmd} --help:\n${direct.stdout}`).toBe(true);
      expect(viaHelp.stdout).toBe(direct.stdout);
      // `help` has no parser of its own; every other command parsed its options.
      const options = specs.get(cmd) ?? {};
      if (cmd !== 'help') expect(specs.has(cmd), `${cmd} parsed its options`).toBe(true);
      for (const name of Object.keys(options)) {
        expect(direct.stdout, `${cmd} --help mentions --${name}`).toMatch(new RegExp(`--${name}\\b`));
      }
    }
  });

  it('reads the options from the parser: run takes --out, --seed, --report and --quiet', async () => {
    // Guards the recording itself: were it empty, the loop above could not fail.
    await cli(['run', '--help']);
    expect(Object.keys(specs.get('run') ?? {}).sort()).toEqual(['out', 'quiet', 'report', 'seed']);
  });

  it('an unknown topic is an input error naming the command list, with a suggestion', async () => {
    const r = await cli(['help', 'nonsense']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^splitsim help: unknown command 'nonsense'; commands: .*\brun\b.*\bhelp\b/);
    const typo = await cli(['help', 'swep']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toMatch(/unknown command 'swep' \(did you mean 'sweep'\?\)/);
  });
});
