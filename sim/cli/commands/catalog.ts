// splitsim catalog: the built-in models and hardware with derived figures.
import { MODELS } from '../../physics/index.js';
import { didYouMean, InputError } from '../../scenario/problems.js';
import { parseCommand } from '../args.js';
import { formatCatalog } from '../catalog.js';
import { help } from '../help.js';

export function catalog(argv: string[]): number {
  const { values } = parseCommand('catalog', argv, {
    model: { type: 'string', multiple: true },
    weights: { type: 'string' },
    kv: { type: 'string' },
  });
  if (values.help) return help('catalog');
  const format = (name: string, v: unknown): 'bf16' | 'fp8' => {
    if (v === undefined || v === 'bf16' || v === 'fp8') return (v ?? 'bf16') as 'bf16' | 'fp8';
    throw new InputError('splitsim catalog', [
      { path: `--${name}`, message: `must be one of "bf16", "fp8", got ${JSON.stringify(v)}` },
    ]);
  };
  const models = values.model as unknown as string[] | undefined;
  for (const id of models ?? []) {
    if (!MODELS[id]) {
      throw new InputError('splitsim catalog', [
        {
          path: '--model',
          message: `unknown model '${id}'${didYouMean(id, Object.keys(MODELS))}; catalog: ${Object.keys(MODELS).join(', ')}`,
        },
      ]);
    }
  }
  console.log(formatCatalog({ weights: format('weights', values.weights), kv: format('kv', values.kv) }, models));
  return 0;
}
