import { tableToIPC } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { baseScenario, edited } from '../helpers/base-scenario.js';
import { expectRunConserved } from '../helpers/conservation.js';
import { column, roundTrip } from '../helpers/queueing.js';

const scenario = checkScenario(baseScenario(), 'base.json');
let result: ReturnType<typeof runScenario>;
beforeAll(() => {
  result = runScenario(scenario);
});
const bytes = (r: typeof result) => Object.values(r.tables).map((t) => Buffer.from(tableToIPC(t, 'file')));

describe('determinism', () => {
  it('I11 determinism: the same scenario and seed give byte-identical Arrow files, even twice in one process', () => {
    const again = runScenario(scenario);
    bytes(again).forEach((b, i) => expect(b.equals(bytes(result)[i] as Buffer)).toBe(true));
  });

  it('another seed gives other tables', () => {
    const other = runScenario(scenario, { seed: 2 });
    expect(bytes(other)[0]?.equals(bytes(result)[0] as Buffer)).toBe(false);
  });

  it(
    'I11 common random numbers: changing the router does not reshuffle arrivals or ' +
      'lengths (common random numbers)',
    () => {
      const rr = runScenario(
        checkScenario(
          edited((s) => (s.scheduling.router = 'round-robin')),
          'rr.json',
        ),
      );
      const byId = (t: typeof result.tables.requests, name: string) => {
        const ids = column(t, 'request_id');
        const v = column(t, name);
        return ids
          .map((id, i) => [id, v[i]] as const)
          .sort((a, b) => a[0] - b[0])
          .map((x) => x[1]);
      };
      for (const name of ['arrival_s', 'prompt_tokens', 'output_tokens']) {
        expect(byId(rr.tables.requests, name)).toEqual(byId(result.tables.requests, name));
      }
    },
  );
});

describe('requests.arrow invariants', () => {
  let t: typeof result.tables.requests;
  beforeAll(() => {
    t = result.tables.requests;
  });
  it('I1 conservation: ids 0…n−1 each once, n = the arrivals drawn apart from the run, one status each', () => {
    expectRunConserved(result);
    // The run's own tally (which defines the summary's counts) agrees with that count.
    expect(t.numRows).toBe(result.stats.generated);
  });

  it(
    'I2 stage order: each request’s timestamps ' + 'arrival ≤ prefill start ≤ first token ≤ decode start ≤ completion',
    () => {
      const cols = ['arrival_s', 'prefill_start_s', 'first_token_s', 'decode_start_s', 'completion_s'].map((c) =>
        column(t, c),
      );
      for (let i = 0; i < t.numRows; i++) {
        for (let k = 1; k < cols.length; k++) {
          expect((cols[k] as number[])[i]).toBeGreaterThanOrEqual((cols[k - 1] as number[])[i] as number);
        }
      }
    },
  );

  it('derives TTFT, TPOT and end-to-end from the timestamps (docs/metrics.md)', () => {
    const [arr, ft, done, out, ttft, tpot, e2e] = [
      'arrival_s',
      'first_token_s',
      'completion_s',
      'output_tokens',
      'ttft_s',
      'tpot_s',
      'e2e_s',
    ].map((c) => column(t, c)) as number[][];
    for (let i = 0; i < t.numRows; i++) {
      expect(ttft![i]).toBeCloseTo(ft![i]! - arr![i]!, 12);
      expect(e2e![i]).toBeCloseTo(done![i]! - arr![i]!, 12);
      if (out![i] === 1) expect(tpot![i]).toBeNaN();
      else expect(tpot![i]).toBeCloseTo((done![i]! - ft![i]!) / (out![i]! - 1), 12);
    }
  });

  it('flags warm-up requests by arrival time', () => {
    const arr = column(t, 'arrival_s');
    const warm = t.getChild('warmup');
    for (let i = 0; i < t.numRows; i++) expect(warm?.get(i)).toBe((arr[i] as number) < scenario.warmup_s);
  });
});

describe('Arrow round trip', () => {
  it('reads back every column of every table with its type and nulls', () => {
    for (const [name, table] of Object.entries(result.tables)) {
      const back = roundTrip(table);
      expect(
        back.schema.fields.map((f) => `${f.name}:${f.type}`),
        name,
      ).toEqual(table.schema.fields.map((f) => `${f.name}:${f.type}`));
      expect(back.numRows).toBe(table.numRows);
      for (const f of table.schema.fields) {
        const a = table.getChild(f.name);
        const b = back.getChild(f.name);
        for (let i = 0; i < Math.min(table.numRows, 50); i++)
          expect(b?.get(i), `${name}.${f.name}[${i}]`).toEqual(a?.get(i));
      }
    }
    const req = result.tables.requests;
    expect(String(req.schema.fields.find((f) => f.name === 'ttft_s')?.type)).toBe('Float64');
    expect(String(req.schema.fields.find((f) => f.name === 'request_id')?.type)).toBe('Int32');
    expect(String(req.schema.fields.find((f) => f.name === 'warmup')?.type)).toBe('Bool');
    expect(String(req.schema.fields.find((f) => f.name === 'status')?.type)).toBe('Dictionary<Int32, Utf8>');
    // The hand-off happened in no time: zeros, not nulls; reasons are null for completed rows.
    expect(roundTrip(req).getChild('transfer_s')?.get(0)).toBe(0);
    expect(roundTrip(req).getChild('reason')?.get(0)).toBeNull();
  });

  it('has the columns of the spec, in order', () => {
    expect(result.tables.requests.schema.fields.map((f) => f.name)).toEqual([
      'request_id',
      'arrival_s',
      'prompt_tokens',
      'output_tokens',
      'status',
      'reason',
      'warmup',
      'prefill_node',
      'decode_node',
      'prefill_queue_s',
      'prefill_start_s',
      'first_token_s',
      'transfer_queue_s',
      'transfer_s',
      'decode_queue_s',
      'decode_start_s',
      'completion_s',
      'ttft_s',
      'tpot_s',
      'e2e_s',
      'preemptions',
      'retries',
      'link_stalls',
    ]);
    expect(result.tables.nodes.schema.fields.map((f) => f.name)).toEqual([
      'node',
      'rack',
      'role',
      'hardware',
      'window_start_s',
      'window_end_s',
      'busy_frac',
      'queue_len_mean',
      'batch_mean',
      'kv_used_frac',
      'up_frac',
      'mfu',
      'mbu',
      'power_w_mean',
    ]);
    expect(result.tables.pools.schema.fields.map((f) => f.name)).toEqual([
      'pool',
      'instances',
      'window_start_s',
      'window_end_s',
      'busy_frac',
      'queue_len_mean',
      'in_service_mean',
      'mfu',
      'mbu',
      'power_w_mean',
      'instances_on_mean',
    ]);
    const summaryColumns = result.tables.summary.schema.fields.map((f) => f.name);
    for (const c of [
      'scenario',
      'requests',
      'completed',
      'rejected',
      'unfinished',
      'throughput_rps',
      'ttft_p50_s',
      'ttft_p90_s',
      'ttft_p99_s',
      'tpot_p50_s',
      'tpot_p90_s',
      'tpot_p99_s',
      'e2e_p50_s',
      'e2e_p99_s',
      'prefill_queue_p99_s',
      'decode_queue_p99_s',
      'slo_attainment',
      'goodput_rps',
      'prefill_util',
      'decode_util',
      'availability',
      'instance_failures',
      'requests_affected',
      'requests_retried',
      'retries',
      'cost_per_hour_usd',
      'cost_per_mtok_usd',
      'overloaded',
      'prefill_mfu',
      'prefill_mbu',
      'decode_mfu',
      'decode_mbu',
      'cost_per_m_goodput_tokens_usd',
      'energy_kwh',
      'joules_per_output_token',
      'peak_power_kw',
      'electricity_cost_per_hour_usd',
      'electricity_cost_per_mtok_usd',
      'instance_hours',
      'slo_attainment_ramps',
    ]) {
      expect(summaryColumns).toContain(c);
    }
  });
});

describe('nodes.arrow and pools.arrow', () => {
  it('I7 windows: nodes.arrow tiles the run with windows per instance, fractions in [0, 1]', () => {
    const t = result.tables.nodes;
    expect(t.numRows % scenario.instances.length).toBe(0);
    for (const v of column(t, 'busy_frac')) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1 + 1e-12);
    }
    const ends = column(t, 'window_end_s');
    expect(Math.max(...ends)).toBeCloseTo(result.stats.end_s, 9);
  });

  it('I7 windows: pool utilisation agrees with the summary (mean over windows inside [warmup, duration])', () => {
    // Windows of 10 s align with warmup 20 s and duration 200 s.
    const p = result.tables.pools;
    const pool = p.getChild('pool');
    const start = column(p, 'window_start_s');
    const busy = column(p, 'busy_frac');
    const inside = busy.filter(
      (_, i) => pool?.get(i) === 'prefill' && (start[i] as number) >= 20 && (start[i] as number) < 200,
    );
    expect(inside).toHaveLength(18);
    expect(inside.reduce((a, b) => a + b, 0) / inside.length).toBeCloseTo(result.summary.prefill_util!, 12);
  });
});
