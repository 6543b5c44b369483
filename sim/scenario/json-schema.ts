import * as z from 'zod';
import { scenarioSchema } from './schema.js';

/**
 * The published JSON Schema of scenario files (docs/scenario.schema.json), generated
 * from the same zod schema the loader uses so the two cannot drift. Input mode: fields
 * with defaults are optional, as users write them.
 */
export function scenarioJsonSchema(): object {
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'splitsim scenario',
    description: 'A splitsim scenario file: datacenter, workload, scheduling and SLO. See README.md.',
    ...schema,
  };
}

export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
}
