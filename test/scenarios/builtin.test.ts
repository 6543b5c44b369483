// The built-in scenarios: valid, named after their files, every request accounted for,
// timestamps in order, Little's law per pool, and the comparison they exist for.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, type RunResult, runScenario } from '../../sim/index.js';
import { scenarioJsonSchemaText } from '../../sim/scenario/json-schema.js';
import { expectRunConserved } from '../helpers/conservation.js';
import { column } from '../helpers/queueing.js';

const root = join(import.meta.dirname, '../..');
const dirs = ['scenarios', 'scenarios/queueing'];
const files = dirs.flatMap((d) =>
  readdirSync(join(root, d))
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(d, f)),
);
const BUILT_INS = ['aws-split-llama70b', 'h100-split-llama70b', 'h100-colocated-llama70b', 'trn2-colocated-llama70b'];

const results = new Map<string, RunResult>();
const result = (file: string) => {
  let r = results.get(file);
  if (!r) {
    r = runScenario(loadScenario(join(root, file)));
    results.set(file, r);
  }
  return r;
};

describe('scenario files', () => {
  it('the published JSON Schema is the one generated from the loader (run `npm run schema`)', () => {
    expect(readFileSync(join(root, 'docs/scenario.schema.json'), 'utf8')).toBe(scenarioJsonSchemaText());
  });

  it('the four built-ins of the comparison are there', () => {
    for (const name of BUILT_INS) expect(files).toContain(`scenarios/${name}.json`);
  });

  it.each(files)('%s validates, references the schema and is named after its file', (file) => {
    const s = loadScenario(join(root, file));
    expect(file.endsWith(`/${s.name}.json`)).toBe(true);
    const schemaRef = JSON.parse(readFileSync(join(root, file), 'utf8')).$schema;
    expect(join(root, file, '..', schemaRef)).toBe(join(root, 'docs/scenario.schema.json'));
    expect(relative(root, join(root, file))).toBe(file);
  });
});

describe.each(files)('%s', (file) => {
  it('I1 conservation: ids 0…n−1 each once, n = the arrivals drawn apart from the run', () => {
    const r = result(file);
    expectRunConserved(r);
    expect(r.summary.completed).toBeGreaterThan(0);
  });

  it('I2 stage order: each request’s timestamps are ordered', () => {
    const t = result(file).tables.requests;
    const [arr, ps, ft, ds, done] = [
      'arrival_s',
      'prefill_start_s',
      'first_token_s',
      'decode_start_s',
      'completion_s',
    ].map((c) => column(t, c)) as number[][];
    for (let i = 0; i < t.numRows; i++) {
      expect(ps![i]!).toBeGreaterThanOrEqual(arr![i]!);
      expect(ft![i]!).toBeGreaterThanOrEqual(ps![i]!);
      if (!Number.isNaN(ds![i]!)) expect(ds![i]!).toBeGreaterThanOrEqual(ft![i]!);
      if (!Number.isNaN(done![i]!)) expect(done![i]!).toBeGreaterThanOrEqual(ft![i]!);
    }
  });

  it('I7 windows: agree with themselves on busy time: pools.arrow per-server tallies = nodes.arrow instance tallies', () => {
    // Two independent counters: each phase server's busy flag (pools.arrow, summary) and
    // each instance's in-service count (nodes.arrow). For a pool of single-phase
    // instances, window by window, they must agree.
    const r = result(file);
    const roles = new Set(r.scenario.instances.map((i) => i.role));
    for (const [pool, role] of [
      ['prefill', 'prefill'],
      ['decode', 'decode'],
    ] as const) {
      if (!roles.has(role) || roles.has('mixed')) continue;
      const nodes = r.tables.nodes;
      const perWindow = new Map<number, number[]>();
      const [ns, nb] = ['window_start_s', 'busy_frac'].map((c) => column(nodes, c)) as number[][];
      for (let i = 0; i < nodes.numRows; i++) {
        if (nodes.getChild('role')?.get(i) !== role) continue;
        const list = perWindow.get(ns![i]!) ?? [];
        list.push(nb![i]!);
        perWindow.set(ns![i]!, list);
      }
      const pools = r.tables.pools;
      const [ps, pb] = ['window_start_s', 'busy_frac'].map((c) => column(pools, c)) as number[][];
      for (let i = 0; i < pools.numRows; i++) {
        if (pools.getChild('pool')?.get(i) !== pool) continue;
        const list = perWindow.get(ps![i]!) as number[];
        expect(pb![i]!, `${pool} window ${ps![i]}`).toBeCloseTo(list.reduce((a, b) => a + b, 0) / list.length, 9);
      }
    }
  });

  it("I5 Little's law: holds per pool on the sample path", () => {
    const r = result(file);
    const req = r.tables.requests;
    if (column(req, 'preemptions').some((p) => p > 0) || r.summary.unfinished > 0) return;
    const pools = r.tables.pools;
    const area = { prefill: 0, decode: 0 } as Record<string, number>;
    const [start, end, q] = ['window_start_s', 'window_end_s', 'queue_len_mean'].map((c) =>
      column(pools, c),
    ) as number[][];
    for (let i = 0; i < pools.numRows; i++)
      area[String(pools.getChild('pool')?.get(i))]! += q![i]! * (end![i]! - start![i]!);
    const sum = (c: string) => column(req, c).reduce((a, v) => a + (Number.isNaN(v) ? 0 : v), 0);
    expect(area.prefill!).toBeCloseTo(sum('prefill_queue_s'), 6);
    expect(area.decode!).toBeCloseTo(sum('transfer_queue_s') + sum('decode_queue_s'), 6);
  });
});

describe('the comparison the built-ins exist for', () => {
  it('are sized to a similar hourly cost (within 10% of the AWS split)', () => {
    const aws = result('scenarios/aws-split-llama70b.json').summary.cost_per_hour_usd!;
    for (const name of BUILT_INS) {
      const cost = result(`scenarios/${name}.json`).summary.cost_per_hour_usd!;
      expect(Math.abs(cost - aws) / aws, name).toBeLessThan(0.1);
    }
  });

  it('the CS-3 decode pool’s advantage shows under load: lower p50 TPOT than all-H100 colocated', () => {
    const aws = result('scenarios/aws-split-llama70b.json').summary;
    const h100 = result('scenarios/h100-colocated-llama70b.json').summary;
    expect(aws.throughput_rps as number).toBeCloseTo(h100.throughput_rps as number, 6);
    expect(aws.tpot_p50_s as number).toBeLessThan(h100.tpot_p50_s as number);
  });
});
