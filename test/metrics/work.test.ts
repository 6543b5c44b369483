// MFU and MBU by hand: the FLOPs and bytes of known passes, from the model card's
// numbers (Llama 3.1 8B config.json), not from the simulator's model arithmetic.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { BF16, HARDWARE, MODELS, type Deployment } from '../../sim/physics/index.js';
import { passBytes, passFlops, workModel } from '../../sim/physics/work.js';
import { column } from '../helpers/queueing.js';

// meta-llama/Llama-3.1-8B config.json: 32 layers, hidden 4096, 32 query heads, 8 KV
// heads of 128, intermediate 14336, vocabulary 128256, untied embeddings.
const L = 32;
const H = 4096;
const FFN = 14_336;
const V = 128_256;
const layerParams = H * H /* q */ + 2 * H * 1024 /* k, v */ + H * H /* o */ + 3 * H * FFN + 2 * H; /* norms */
const params = L * layerParams + H /* final norm */ + 2 * V * H; /* embedding + head */
const matmulFlopsPerToken = 2 * (params - V * H); // the input embedding is a lookup
const pairFlops = 4 * L * 32 * 128; // QKᵀ and AV per (query, key) pair, all layers
const kvBytesPerToken = 2 * L * 8 * 128 * 2; // K and V, BF16
const weightBytes = 2 * params;

const h100 = HARDWARE['h100-sxm']!;
const d: Deployment = { model: MODELS['llama-3.1-8b']!, hardware: h100, devices: 1, precision: BF16 };

describe('the work of a pass', () => {
  it('matches the model card: 8.03 B parameters, FLOPs and bytes of one pass', () => {
    expect(params).toBe(8_030_261_248); // the published parameter count
    expect(passFlops(d, 10, 300)).toBe(10 * matmulFlopsPerToken + 300 * pairFlops);
    expect(passBytes(d, 700)).toBe(weightBytes + 700 * kvBytesPerToken);
  });

  it('sums a run of decode steps in closed form, speculative ones too (draft counted)', () => {
    const spec: Deployment = {
      ...d,
      model: MODELS['llama-3.1-70b']!,
      devices: 4,
      speculative: { draft: MODELS['llama-3.2-1b']!, tokens: 4, acceptance: 0.7 },
    };
    for (const dep of [d, spec]) {
      const m = workModel(dep);
      const B = 5;
      const C0 = 3001;
      let flops = 0;
      let bytes = 0;
      for (let i = 0; i < 37; i++) {
        const w = m.decodeSteps(B, C0 + i * B, 1);
        flops += w.flops;
        bytes += w.bytes;
      }
      const run = m.decodeSteps(B, C0, 37);
      expect(run.flops / flops).toBeCloseTo(1, 12);
      expect(run.bytes / bytes).toBeCloseTo(1, 12);
    }
    // One speculative step = (verification + k draft passes) / E, E = Σ α^i.
    const m = workModel(spec);
    const E = 1 + 0.7 + 0.49 + 0.343 + 0.2401;
    const draft: Deployment = { ...spec, model: MODELS['llama-3.2-1b']!, speculative: undefined };
    let expected = passFlops(spec, 2 * 5, 5 * 100 + (2 * 4 * 5) / 2);
    for (let j = 0; j < 4; j++) expected += passFlops(draft, 2, 100 + 2 * j);
    expect(m.decodeSteps(2, 100, 1).flops).toBeCloseTo(expected / E, 0);
  });
});

describe('MFU and MBU of one colocated H100 with a known batch', () => {
  // 8 users send one request each at t = 0 (think time past the end). The sends are
  // separate events at one instant: the first prompt starts a prefill pass alone, the
  // other 7 wait for it and run as a second pass (prefill-first: no decode while a
  // prompt waits); then the 8 decode together for N − 1 steps, all finishing at the
  // same step. Window = run = measured period (100 s).
  const B = 8;
  const P = 500;
  const N = 200;
  const span = 100;
  let r: ReturnType<typeof runScenario>;
  beforeAll(() => {
    r = runScenario(
      checkScenario(
        {
          name: 'hand',
          seed: 1,
          duration_s: span,
          warmup_s: 0,
          model: 'llama-3.1-8b',
          datacenter: {
            racks: [{ name: 'r', nodes: [{ hardware: 'h100-sxm', devices: 1, count: 1, role: 'mixed' }] }],
            network: { kv_transfer: 'off' },
          },
          workload: {
            arrivals: { process: 'closed', users: B, think_s: { dist: 'constant', value_s: 10_000 } },
            prompt_tokens: { dist: 'constant', value: P },
            output_tokens: { dist: 'constant', value: N },
          },
          scheduling: { router: 'least-work', mixed_policy: 'prefill-first' },
          metrics: { window_s: span },
        },
        'hand.json',
      ),
    );
  });
  // Prefill: B·P tokens, B·P²/2 causal pairs, weights read once per pass (two passes),
  // B·P KV tokens written.
  const prefillFlops = matmulFlopsPerToken * B * P + (pairFlops * (B * P * P)) / 2;
  const prefillBytes = 2 * weightBytes + kvBytesPerToken * B * P;
  // Decode step j (0 ≤ j ≤ N − 2) of each request reads P + 1 + j tokens of context.
  const steps = N - 1;
  const contextPerRequest = steps * (P + 1) + (steps * (steps - 1)) / 2;
  const decodeFlops = matmulFlopsPerToken * B * steps + pairFlops * B * contextPerRequest;
  const decodeBytes = weightBytes * steps + kvBytesPerToken * B * contextPerRequest;
  const peakFlops = h100.bf16_tflops * 1e12;
  const peakBytes = h100.memory_tbps * 1e12;

  it('ran as planned: every request completed', () => {
    expect(r.summary.completed).toBe(B);
  });

  it('nodes.arrow: mfu = FLOPs / (peak × window), mbu = bytes / (bandwidth × window)', () => {
    expect(column(r.tables.nodes, 'mfu')[0]! / ((prefillFlops + decodeFlops) / (peakFlops * span))).toBeCloseTo(1, 9);
    expect(column(r.tables.nodes, 'mbu')[0]! / ((prefillBytes + decodeBytes) / (peakBytes * span))).toBeCloseTo(1, 9);
  });

  it('summary: the prefill pass to prefill_*, the decode steps to decode_*', () => {
    expect(r.summary.prefill_mfu! / (prefillFlops / (peakFlops * span))).toBeCloseTo(1, 9);
    expect(r.summary.prefill_mbu! / (prefillBytes / (peakBytes * span))).toBeCloseTo(1, 9);
    expect(r.summary.decode_mfu! / (decodeFlops / (peakFlops * span))).toBeCloseTo(1, 9);
    expect(r.summary.decode_mbu! / (decodeBytes / (peakBytes * span))).toBeCloseTo(1, 9);
  });

  it('pools.arrow sums its servers the same way', () => {
    const pool = r.tables.pools.getChild('pool')!;
    const mfu = column(r.tables.pools, 'mfu');
    const decodeRow = [...Array(r.tables.pools.numRows).keys()].find((i) => pool.get(i) === 'decode')!;
    expect(mfu[decodeRow]! / (decodeFlops / (peakFlops * span))).toBeCloseTo(1, 9);
  });
});

describe('queueing mode has no hardware to measure against', () => {
  it('mfu and mbu are null', async () => {
    const { baseScenario } = await import('../helpers/base-scenario.js');
    const q = runScenario(checkScenario(baseScenario(), 'base.json'));
    expect(q.summary.decode_mfu).toBeNull();
    expect(q.summary.prefill_mbu).toBeNull();
    expect(q.tables.nodes.getChild('mfu')!.get(0)).toBeNull();
  });
});
