// Errors name the field that is wrong: the node group's or rack's count, the inline
// model's kv_heads, the trace (not a duration_s the trace was to give).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODELS } from '../../sim/physics/index.js';
import { edited } from '../helpers/base-scenario.js';
import { problems } from '../helpers/problems.js';

const hostile = join(import.meta.dirname, '../fixtures/hostile');

describe('the field that is wrong', () => {
  it('an absurd node group count is reported at that group, with the total', () => {
    expect(problems(edited((s) => (s.datacenter.racks[1].nodes[0].count = 1_000_000_000)))).toEqual([
      'datacenter.racks[1].nodes[0].count: 1000000000 instances in this node group make 1000000004 in the datacenter; the limit is 100000',
    ]);
  });

  it('a rack copied too often is reported at the rack count', () => {
    expect(problems(edited((s) => (s.datacenter.racks[0].count = 60_000)))).toEqual([
      'datacenter.racks[0].count: 60000 copies of this rack (2 instances each) make 120003 instances in the datacenter; the limit is 100000',
    ]);
    // Of rack copies × group count, the larger factor is named.
    expect(problems(edited((s) => (s.datacenter.racks[0].nodes[0].count = 60_000)))[0]).toMatch(
      /^datacenter\.racks\[0\]\.nodes\[0\]\.count: 60000 instances in this node group \(× 2 rack copies\) make 120003/,
    );
  });

  it('a trace that cannot be read is the one problem: its duration is not also "required"', () => {
    const trace = (path: string) =>
      edited((s) => {
        delete s.duration_s;
        s.warmup_s = 0;
        s.workload = { arrivals: { process: 'trace', path, format: 'azure-csv' } };
      });
    expect(problems(trace(`${hostile}/nope.csv`))).toEqual([
      `workload.arrivals.path: no such file: ${hostile}/nope.csv`,
    ]);
    const garbage = problems(trace(`${hostile}/garbage.csv`));
    expect(garbage).toHaveLength(1);
    expect(garbage[0]).toMatch(/^workload\.arrivals\.path: .*garbage\.csv: line 3/);
    // A readable trace gives the duration (last arrival + 1 s) and needs none.
    expect(problems(trace(`${hostile}/scenario/two-rows.csv`))).toEqual([]);
    // Without a trace, a missing duration_s is still an error.
    expect(problems(edited((s) => delete s.duration_s))).toEqual([
      'duration_s: is required (only a trace replay defaults it, to its last arrival + 1 s)',
    ]);
  });

  describe('inline models', () => {
    const withModel = (m: Record<string, unknown>) =>
      edited((s) => {
        s.model = {
          id: 'mine',
          layers: 32,
          hidden: 4096,
          heads: 32,
          kv_heads: 8,
          head_dim: 128,
          ffn: 14336,
          vocab: 128256,
          ...m,
        };
        const g = s.datacenter.racks[0].nodes[0];
        delete g.service;
        g.hardware = 'h100-sxm';
      });

    it('refuses more key/value heads than query heads', () => {
      expect(problems(withModel({ kv_heads: 64 }))).toEqual([
        'model.kv_heads: must be at most heads (32): each key/value head serves one or more query heads, got 64',
      ]);
    });

    it('refuses key/value heads that do not divide the query heads', () => {
      expect(problems(withModel({ kv_heads: 12 }))).toEqual([
        'model.kv_heads: must divide heads (32) so that each key/value head serves the same number of query heads (grouped-query attention), got 12',
      ]);
    });

    it('accepts heads × head_dim other than hidden, as real models have (Mistral NeMo 12B)', () => {
      // config.json of mistralai/Mistral-Nemo-Base-2407: hidden 5120, 32 heads of 128, 8 KV heads.
      expect(
        problems(
          withModel({
            id: 'nemo',
            layers: 40,
            hidden: 5120,
            heads: 32,
            kv_heads: 8,
            head_dim: 128,
            ffn: 14336,
            vocab: 131072,
          }),
        ),
      ).toEqual([]);
    });

    it('a bad field of an inline model or hardware is named, not "Invalid input" at the union', () => {
      expect(problems(withModel({ layers: 1e-300 }))).toEqual(['model.layers: must be a positive integer, got 1e-300']);
      expect(problems(withModel({ lyers: 1 }))[0]).toMatch(
        /^model\.lyers: unknown key \(did you mean 'layers'\?\); allowed: id, layers, /,
      );
      expect(problems(edited((s) => (s.model = 5)))).toEqual(['model: must be a name (string) or an object, got 5']);
      expect(
        problems(
          edited((s) => (s.datacenter.racks[0].nodes[0].hardware = { id: 'h', base: 'h100-sxm', bf16_tflop: 1 })),
        )[0],
      ).toMatch(
        /^datacenter\.racks\[0\]\.nodes\[0\]\.hardware\.bf16_tflop: unknown key \(did you mean 'bf16_tflops'\?\)/,
      );
    });

    it('every catalog model satisfies the same rules', () => {
      for (const m of Object.values(MODELS)) {
        expect(m.kv_heads, m.id).toBeLessThanOrEqual(m.heads);
        expect(m.heads % m.kv_heads, m.id).toBe(0);
        expect(problems(withModel({ ...m, id: 'copy' }))).toEqual([]);
      }
    });
  });
});
