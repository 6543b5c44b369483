// Physics-mode serving under load: continuous batching, KV as a hard limit, and every
// request accounted for.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { batchTimer, HARDWARE, kvCapacityTokens, MODELS, BF16, weightBytes } from '../../sim/physics/index.js';
import { expectRunConserved } from '../helpers/conservation.js';
import { column } from '../helpers/queueing.js';

/** Llama 3.1 8B on single H100s whose memory leaves `kvTokens` of KV room. */
function scenario(kvTokens: number, rate: number, promptMax = 3000, extra: Record<string, unknown> = {}) {
  const model = MODELS['llama-3.1-8b']!;
  const memory_gb = (weightBytes(model, BF16) + (kvTokens + 0.5) * 131_072) / 0.9 / 1e9;
  const hardware = { id: 'small-h100', base: 'h100-sxm', memory_gb };
  return checkScenario(
    {
      name: 'batching',
      seed: 3,
      duration_s: 120,
      warmup_s: 20,
      model: model.id,
      datacenter: {
        racks: [
          {
            name: 'r',
            nodes: [
              { hardware: 'h100-sxm', devices: 1, count: 2, role: 'prefill' },
              { hardware, devices: 1, count: 2, role: 'decode' },
            ],
          },
        ],
        network: { kv_transfer: 'off' },
      },
      workload: {
        arrivals: { process: 'poisson', rate_per_s: rate },
        prompt_tokens: { dist: 'uniform', min: 200, max: promptMax },
        output_tokens: { dist: 'uniform', min: 50, max: 600 },
      },
      scheduling: { router: 'least-work' },
      ...extra,
    },
    'batching.json',
  );
}

describe('continuous batching', () => {
  it('batches decode under load and beats the one-at-a-time throughput bound', () => {
    const s = scenario(200_000, 20);
    const r = runScenario(s);
    expect(r.summary.unfinished).toBe(0);
    expect(r.summary.rejected).toBe(0);
    const nodes = r.tables.nodes;
    const role = nodes.getChild('role');
    const batch = column(nodes, 'batch_mean').filter((_, i) => role?.get(i) === 'decode');
    const meanBatch = batch.reduce((a, b) => a + b, 0) / batch.length;
    expect(meanBatch).toBeGreaterThan(2);
    // One request at a time, a decode instance could emit at most 1/step(1, 200) tokens/s.
    const timer = batchTimer({
      model: MODELS['llama-3.1-8b']!,
      hardware: HARDWARE['h100-sxm']!,
      devices: 1,
      precision: BF16,
    });
    const serialBound = 2 / timer.decodeStepSeconds(1, 200);
    expect(r.summary.output_tokens_per_s).toBeGreaterThan(serialBound);
  });
});

describe('KV memory is a hard limit', () => {
  // Sizing keeps ≥ 10% of usable memory for KV: about 13,600 tokens for 8B on one GPU.
  const s = scenario(14_000, 12, 6000);
  let r: ReturnType<typeof runScenario>;
  let req: ReturnType<typeof runScenario>['tables']['requests'];
  beforeAll(() => {
    r = runScenario(s);
    req = r.tables.requests;
  });

  it('the scenario really has 14,000 tokens of KV per decode instance', () => {
    const inst = s.instances.find((i) => i.role === 'decode')!;
    expect(kvCapacityTokens(inst.deployment!)).toBe(14_000);
  });

  it('I3 KV ≤ capacity: kv_used_frac ≤ 1 in every window, and it preempts instead', () => {
    const nodes = r.tables.nodes;
    for (const f of column(nodes, 'kv_used_frac')) if (!Number.isNaN(f)) expect(f).toBeLessThanOrEqual(1 + 1e-12);
    const preemptions = column(req, 'preemptions').reduce((a, b) => a + b, 0);
    expect(preemptions).toBeGreaterThan(0);
  });

  it('I1 conservation: every request accounted for; preempted ones still complete', () => {
    expectRunConserved(r);
    const status = req.getChild('status');
    const pre = column(req, 'preemptions');
    expect(pre.some((p, i) => p > 0 && status?.get(i) === 'completed')).toBe(true);
  });

  it('rejects, with a reason, a prompt that can never fit', () => {
    const tiny = runScenario(scenario(14_000, 0.5, 20_000, { duration_s: 120, warmup_s: 0 }));
    const t = tiny.tables.requests;
    const status = t.getChild('status');
    const reason = t.getChild('reason');
    const prompt = column(t, 'prompt_tokens');
    let rejected = 0;
    for (let i = 0; i < t.numRows; i++) {
      if ((prompt[i] as number) + 1 > 14_000) {
        expect(status?.get(i)).toBe('rejected');
        expect(reason?.get(i)).toMatch(/cannot fit the decode instance's KV capacity \(14000 tokens\)/);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
    expect(tiny.summary.rejected).toBe(rejected);
  });
});
