import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../../sim/index.js';
import { scenarioJsonSchemaText } from '../../sim/scenario/json-schema.js';

const root = join(import.meta.dirname, '../..');
const files = readdirSync(join(root, 'scenarios')).filter((f) => f.endsWith('.json'));

describe('built-in scenarios', () => {
  it('the published JSON Schema is the one generated from the loader (run `npm run schema`)', () => {
    expect(readFileSync(join(root, 'docs/scenario.schema.json'), 'utf8')).toBe(scenarioJsonSchemaText());
  });

  it.each(files)('%s validates, references the schema and is named after its file', (file) => {
    const s = loadScenario(join(root, 'scenarios', file));
    expect(`${s.name}.json`).toBe(file);
    expect(JSON.parse(readFileSync(join(root, 'scenarios', file), 'utf8')).$schema).toBe('../docs/scenario.schema.json');
  });

  it.each(files)('%s runs with every request accounted for', (file) => {
    const r = runScenario(loadScenario(join(root, 'scenarios', file)));
    const s = r.summary;
    expect((s.completed as number) + (s.rejected as number) + (s.unfinished as number)).toBe(s.requests);
    expect(s.requests).toBe(r.stats.generated);
    expect(s.completed).toBeGreaterThan(0);
  });
});
