// requests.arrow is streamed in record batches as requests end: bounded memory, and
// the same bytes as the in-memory table.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runScenario, runScenarioToFolder } from '../../sim/index.js';
import { BATCH_ROWS } from '../../sim/metrics/request-log.js';
import { queueingScenario } from '../helpers/queueing.js';

describe('streamed requests.arrow', () => {
  // ~80,000 requests: more than one record batch.
  const s = queueingScenario({ rate: 200, prefill: { count: 4, service: { dist: 'exponential', mean_s: 0.015 } }, duration_s: 400 });

  it('is written in batches of BATCH_ROWS and equals the in-memory table byte for byte', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'splitsim-stream-')), 'run');
    const streamed = runScenarioToFolder(s, dir);
    const memory = runScenario(s);
    const file = readFileSync(join(dir, 'requests.arrow'));
    const back = tableFromIPC(file);
    expect(back.numRows).toBe(streamed.stats.generated);
    expect(back.numRows).toBeGreaterThan(BATCH_ROWS);
    expect(back.batches.length).toBe(Math.ceil(back.numRows / BATCH_ROWS));
    expect(Buffer.from(tableToIPC(memory.tables.requests, 'file')).equals(file)).toBe(true);
    expect(streamed.summary).toEqual(memory.summary);
  });

  it('an empty run still writes a readable file with the schema', () => {
    const quiet = queueingScenario({ rate: 1e-9, prefill: { count: 1, service: { dist: 'exponential', mean_s: 1 } }, duration_s: 10 });
    const dir = join(mkdtempSync(join(tmpdir(), 'splitsim-stream-')), 'run');
    runScenarioToFolder(quiet, dir);
    const t = tableFromIPC(readFileSync(join(dir, 'requests.arrow')));
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toContain('ttft_s');
  });
});
