// Colocated (mixed) instances on the performance model: prefill-first and chunked.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { BF16, batchTimer, HARDWARE, MODELS } from '../../sim/physics/index.js';
import { expectRunConserved } from '../helpers/conservation.js';
import { column } from '../helpers/queueing.js';

const timer = batchTimer({
  model: MODELS['llama-3.1-70b']!,
  hardware: HARDWARE['h100-sxm']!,
  devices: 8,
  precision: BF16,
});

function mixed(
  policy: string,
  o: {
    rate: number;
    duration_s: number;
    prompt: object;
    output: object;
    chunk?: number;
    process?: string;
    count?: number;
  },
) {
  return checkScenario(
    {
      name: 'colocated',
      seed: 4,
      duration_s: o.duration_s,
      drain_s: 600,
      model: 'llama-3.1-70b',
      datacenter: {
        racks: [{ name: 'hgx', nodes: [{ hardware: 'h100-sxm', devices: 8, count: o.count ?? 1, role: 'mixed' }] }],
      },
      workload: {
        arrivals: { process: o.process ?? 'poisson', rate_per_s: o.rate },
        prompt_tokens: o.prompt,
        output_tokens: o.output,
      },
      scheduling: { router: 'least-work', mixed_policy: policy, chunk_tokens: o.chunk ?? 2048 },
    },
    'colocated.json',
  );
}

const lone = (policy: string, prompt: number, output: number, chunk?: number) => {
  const r = runScenario(
    mixed(policy, {
      rate: 1,
      duration_s: 1.5,
      process: 'deterministic',
      prompt: { dist: 'constant', value: prompt },
      output: { dist: 'constant', value: output },
      chunk,
    }),
  );
  const t = r.tables.requests;
  expect(t.getChild('status')?.get(0)).toBe('completed');
  expect(t.getChild('decode_node')?.get(0)).toBe(t.getChild('prefill_node')?.get(0));
  return {
    ttft: column(t, 'ttft_s')[0] as number,
    tpot: column(t, 'tpot_s')[0] as number,
    transfer: column(t, 'transfer_s')[0],
  };
};

describe('a lone request on a colocated instance', () => {
  const meanStep = (prompt: number, output: number) => {
    let s = 0;
    for (let k = 1; k < output; k++) s += timer.decodeStepSeconds(1, prompt + k);
    return s / (output - 1);
  };

  it.each(['prefill-first', 'chunked'])('%s: TTFT = prefill time, TPOT = decode step time, no hand-off', (policy) => {
    const r = lone(policy, 1500, 30);
    expect(r.ttft).toBeCloseTo(timer.prefillSeconds(1500, 1500 * 1500), 12);
    expect(r.tpot).toBeCloseTo(meanStep(1500, 30), 12);
    expect(r.transfer).toBeNaN();
  });

  it('chunked with a budget smaller than the prompt prefills it in chunks, each attending to the earlier ones', () => {
    const r = lone('chunked', 5000, 10, 2048);
    let expected = 0;
    for (let done = 0; done < 5000; done += 2048) {
      const c = Math.min(2048, 5000 - done);
      expected += timer.passSeconds(c, c * done + (c * c) / 2, done + c, true);
    }
    expect(r.ttft).toBeCloseTo(expected, 12);
    expect(r.ttft).toBeGreaterThan(timer.prefillSeconds(5000, 5000 * 5000));
  });
});

describe('colocated under load', () => {
  const load = (policy: string) =>
    runScenario(
      mixed(policy, {
        rate: 6,
        duration_s: 120,
        count: 2,
        prompt: { dist: 'lognormal', median: 2000, sigma: 0.7, max: 16000 },
        output: { dist: 'lognormal', median: 200, sigma: 0.7, max: 1500 },
      }),
    );
  let pf: ReturnType<typeof load>;
  let ch: ReturnType<typeof load>;
  beforeAll(() => {
    pf = load('prefill-first');
    ch = load('chunked');
  });

  it('I1 I3: accounts for every request and keeps KV within capacity', () => {
    for (const r of [pf, ch]) {
      expectRunConserved(r);
      expect(r.summary.unfinished).toBe(0);
      for (const f of column(r.tables.nodes, 'kv_used_frac')) expect(f).toBeLessThanOrEqual(1 + 1e-12);
    }
  });

  it('chunked prefill protects decode: lower p99 TPOT than prefill-first (Sarathi-Serve)', () => {
    expect(ch.summary.tpot_p99_s).toBeLessThan(pf.summary.tpot_p99_s!);
  });

  it('reports both phases in pools.arrow and a price', () => {
    const pools = new Set(
      Array.from({ length: ch.tables.pools.numRows }, (_, i) => ch.tables.pools.getChild('pool')?.get(i)),
    );
    expect([...pools].sort()).toEqual(['decode', 'prefill']);
    expect(ch.summary.cost_per_hour_usd).toBeCloseTo(2 * 8 * 4.916, 9);
  });
});
