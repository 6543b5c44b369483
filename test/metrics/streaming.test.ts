// requests.arrow is streamed in record batches as requests end, and the window tables
// as windows end: bounded memory, and the same rows as the in-memory tables.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runScenario, runScenarioToFolder } from '../../sim/index.js';
import { quantiles } from '../../sim/metrics/latency-columns.js';
import { BATCH_ROWS } from '../../sim/metrics/request-log.js';
import { expectConserved, workloadArrivals } from '../helpers/conservation.js';
import { queueingScenario } from '../helpers/queueing.js';

describe('streamed requests.arrow', () => {
  // ~80,000 requests: more than one record batch.
  const s = queueingScenario({
    rate: 200,
    prefill: { count: 4, service: { dist: 'exponential', mean_s: 0.015 } },
    duration_s: 400,
  });

  it('I1 conservation, streamed: is written in batches of BATCH_ROWS, conserves requests and equals the in-memory table byte for byte', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'splitsim-stream-')), 'run');
    const streamed = runScenarioToFolder(s, dir);
    const memory = runScenario(s);
    const file = readFileSync(join(dir, 'requests.arrow'));
    const back = tableFromIPC(file);
    expect(back.numRows).toBe(streamed.stats.generated);
    expectConserved({ requests: back, summary: streamed.summary }, workloadArrivals(s));
    expect(back.numRows).toBeGreaterThan(BATCH_ROWS);
    expect(back.batches.length).toBe(Math.ceil(back.numRows / BATCH_ROWS));
    expect(Buffer.from(tableToIPC(memory.tables.requests, 'file')).equals(file)).toBe(true);
    expect(streamed.summary).toEqual(memory.summary);
  });

  it('keeps the summary latencies in a scratch file, exact, and leaves it out of the result', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'splitsim-stream-')), 'run');
    const streamed = runScenarioToFolder(s, dir);
    expect(readdirSync(dir).sort()).toEqual([
      'links.arrow',
      'nodes.arrow',
      'pools.arrow',
      'requests.arrow',
      'run.json',
      'summary.arrow',
    ]);
    expect(readdirSync(join(dir, '..'))).toEqual(['run']);
    // Quantiles over the measured completed rows of the file, as a reader would take them.
    const t = tableFromIPC(readFileSync(join(dir, 'requests.arrow')));
    const [status, warmup, ttft, e2e] = ['status', 'warmup', 'ttft_s', 'e2e_s'].map((c) => t.getChild(c)!.toArray());
    const rows = [...Array(t.numRows).keys()].filter((i) => status![i] === 'completed' && !warmup![i]);
    expect(rows.length).toBeGreaterThan(4 * (1 << 14)); // several blocks of the tally
    const pick = (col: ArrayLike<number>) => Float64Array.from(rows, (i) => col[i] as number);
    expect([streamed.summary.ttft_p50_s, streamed.summary.ttft_p99_s]).toEqual(
      quantiles(pick(ttft as Float64Array), [0.5, 0.99]),
    );
    expect([streamed.summary.e2e_p50_s, streamed.summary.e2e_p99_s]).toEqual(
      quantiles(pick(e2e as Float64Array), [0.5, 0.99]),
    );
  });

  it('an empty run still writes a readable file with the schema', () => {
    const quiet = queueingScenario({
      rate: 1e-9,
      prefill: { count: 1, service: { dist: 'exponential', mean_s: 1 } },
      duration_s: 10,
    });
    const dir = join(mkdtempSync(join(tmpdir(), 'splitsim-stream-')), 'run');
    runScenarioToFolder(quiet, dir);
    const t = tableFromIPC(readFileSync(join(dir, 'requests.arrow')));
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toContain('ttft_s');
  });
});

describe('streamed window tables', () => {
  // 20,000 windows of 20 ms: 140,000 window rows, written in several batches mid-run.
  const s = queueingScenario({
    rate: 200,
    prefill: { count: 4, service: { dist: 'exponential', mean_s: 0.015 } },
    duration_s: 400,
    window_s: 0.02,
  });

  it('are written as windows end, with the rows and summary of an in-memory run', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'splitsim-stream-')), 'run');
    const streamed = runScenarioToFolder(s, dir);
    const memory = runScenario(s);
    expect(streamed.summary).toEqual(memory.summary);
    for (const name of ['nodes', 'pools', 'links'] as const) {
      const back = tableFromIPC(readFileSync(join(dir, `${name}.arrow`)));
      const kept = memory.tables[name];
      expect(back.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(
        kept.schema.fields.map((f) => `${f.name}:${f.type}`),
      );
      expect(back.numRows, name).toBe(kept.numRows);
      for (const f of kept.schema.fields)
        expect(back.getChild(f.name)?.toArray(), `${name}.${f.name}`).toEqual(kept.getChild(f.name)?.toArray());
    }
    const nodes = tableFromIPC(readFileSync(join(dir, 'nodes.arrow')));
    // Five instances per window, over 400 s and the drain of the last requests.
    expect(nodes.numRows % 5).toBe(0);
    expect(nodes.numRows).toBeGreaterThanOrEqual(20_000 * 5);
    // Written as the run went, not at its end.
    expect(nodes.batches.length).toBeGreaterThan(2);
    // Rows go window by window, then instance by instance.
    const start = nodes.getChild('window_start_s')?.toArray() as Float64Array;
    for (let i = 1; i < start.length; i++) expect(start[i]! >= start[i - 1]!).toBe(true);
  });
});
