// splitsim merge DIR: a sharded sweep's summary from its shards.
import { InputError } from '../../scenario/problems.js';
import { parseCommand } from '../args.js';
import { formatPoints } from '../format.js';
import { help } from '../help.js';
import { studies } from './sweep.js';

export async function merge(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand('merge', argv, {});
  if (values.help) return help('merge');
  if (positionals.length !== 1)
    throw new InputError('splitsim merge', [{ path: '', message: 'needs exactly one DIR' }]);
  const { mergeSweep } = await studies();
  const { plan, summary } = mergeSweep(positionals[0] as string);
  console.log(formatPoints(plan, summary));
  return 0;
}
