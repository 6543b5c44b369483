// The KV hand-off over the network, through the whole simulator.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { kvHandoffBytes, MODELS, BF16 } from '../../sim/physics/index.js';
import { column, roundTrip } from '../helpers/queueing.js';

const MODEL = MODELS['llama-3.1-70b']!;

/** trn2.48xlarge prefill racks and CS-3 decode racks joined by a spine. */
function split(o: {
  rate: number;
  prompt: object;
  output: object;
  uplink_gbps?: number;
  duration_s?: number;
  latency_us?: number;
  process?: string;
  prefillRacks?: number;
}) {
  return checkScenario(
    {
      name: 'handoff',
      seed: 5,
      duration_s: o.duration_s ?? 60,
      drain_s: 600,
      model: MODEL.id,
      datacenter: {
        racks: [
          {
            name: 'trn',
            count: o.prefillRacks ?? 1,
            uplink_gbps: o.uplink_gbps ?? 1200,
            nodes: [{ hardware: 'trn2.48xlarge', count: 2, role: 'prefill' }],
          },
          {
            name: 'cs3',
            uplink_gbps: o.uplink_gbps ?? 1200,
            nodes: [{ hardware: 'cs3', devices: 4, count: 2, role: 'decode' }],
          },
        ],
        network: { kv_transfer: 'network', spine_gbps: 25_600, latency_us: o.latency_us ?? 10 },
      },
      workload: {
        arrivals: { process: o.process ?? 'poisson', rate_per_s: o.rate },
        prompt_tokens: o.prompt,
        output_tokens: o.output,
      },
      scheduling: { router: 'least-work' },
      metrics: { window_s: 5 },
    },
    'handoff.json',
  );
}

describe('KV hand-off over the network', () => {
  it('a lone transfer takes bytes ÷ bottleneck bandwidth + per-hop latency', () => {
    // Bottleneck: the 1,200 Gb/s rack uplink (trn2.48xlarge NIC 3,200, CS-3 × 4 NIC 4,800).
    const s = split({
      rate: 1,
      duration_s: 1.5,
      process: 'deterministic',
      prompt: { dist: 'constant', value: 8192 },
      output: { dist: 'constant', value: 10 },
    });
    const req = roundTrip(runScenario(s).tables.requests);
    const bytes = kvHandoffBytes(MODEL, BF16, 8192);
    expect(bytes / 1e9).toBeCloseTo(2.68, 2);
    const expected = bytes / (1200e9 / 8) + 5 * 10e-6;
    expect(column(req, 'transfer_s')[0]).toBeCloseTo(expected, 12);
    expect(column(req, 'transfer_queue_s')[0]).toBe(0);
    // The request then decodes right after landing.
    expect(column(req, 'decode_queue_s')[0]).toBe(0);
  });

  let loaded: ReturnType<typeof runScenario>;
  beforeAll(() => {
    loaded = runScenario(
      split({
        rate: 25,
        prompt: { dist: 'lognormal', median: 4096, sigma: 0.8, max: 16384 },
        output: { dist: 'uniform', min: 1, max: 200 },
      }),
    );
  });

  it('hands off exactly Σ prompt tokens × KV bytes per token of the requests that decoded', () => {
    const req = loaded.tables.requests;
    const out = column(req, 'output_tokens');
    const prompt = column(req, 'prompt_tokens');
    const status = req.getChild('status');
    let expected = 0;
    for (let i = 0; i < req.numRows; i++) {
      if (status?.get(i) === 'completed' && (out[i] as number) > 1)
        expected += kvHandoffBytes(MODEL, BF16, prompt[i] as number);
    }
    const links = loaded.tables.links;
    const name = links.getChild('link');
    const bytes = column(links, 'bytes');
    let received = 0;
    for (let i = 0; i < links.numRows; i++)
      if (String(name?.get(i)).endsWith('/nic-rx')) received += bytes[i] as number;
    expect(loaded.summary.unfinished).toBe(0);
    expect(received / expected).toBeCloseTo(1, 9);
  });

  it('I8 I2: never runs a link above its capacity, and stamps hand-off times in order', () => {
    for (const u of column(loaded.tables.links, 'util_frac')) expect(u).toBeLessThanOrEqual(1 + 1e-9);
    const req = loaded.tables.requests;
    const cols = ['first_token_s', 'decode_start_s', 'completion_s'].map((c) => column(req, c));
    const tq = column(req, 'transfer_queue_s');
    const tt = column(req, 'transfer_s');
    for (let i = 0; i < req.numRows; i++) {
      if (Number.isNaN(tt[i] as number)) continue;
      expect(tq[i]).toBeGreaterThanOrEqual(0);
      expect(tt[i]).toBeGreaterThan(0);
      expect((cols[0] as number[])[i]! + tq[i]! + tt[i]!).toBeLessThanOrEqual((cols[1] as number[])[i]! + 1e-9);
    }
  });

  it('contention: a thinner uplink makes hand-offs slower under the same load', () => {
    const meanTransfer = (uplink: number) => {
      const r = runScenario(
        split({
          uplink_gbps: uplink,
          rate: 25,
          prompt: { dist: 'lognormal', median: 4096, sigma: 0.8, max: 16384 },
          output: { dist: 'uniform', min: 2, max: 200 },
        }),
      );
      const t = column(r.tables.requests, 'transfer_s').filter((x) => !Number.isNaN(x));
      return t.reduce((a, b) => a + b, 0) / t.length;
    };
    const wide = meanTransfer(1200);
    const thin = meanTransfer(200);
    // 6× less bandwidth: at least 6× slower per byte, and queueing on top.
    expect(thin).toBeGreaterThan(5 * wide);
  });
});

describe('rack-aware decode routing', () => {
  function racks(router: string, rate: number, duration_s = 60) {
    return checkScenario(
      {
        name: 'rack-aware',
        seed: 9,
        duration_s,
        drain_s: 600,
        model: MODEL.id,
        datacenter: {
          racks: [
            { name: 'pre', uplink_gbps: 3200, nodes: [{ hardware: 'trn2.48xlarge', count: 2, role: 'prefill' }] },
            { name: 'thin', uplink_gbps: 100, nodes: [{ hardware: 'cs3', devices: 4, count: 1, role: 'decode' }] },
            { name: 'wide', uplink_gbps: 1200, nodes: [{ hardware: 'cs3', devices: 4, count: 1, role: 'decode' }] },
          ],
          network: { kv_transfer: 'network', spine_gbps: 25_600, latency_us: 10 },
        },
        workload: {
          arrivals: { process: rate < 2 ? 'deterministic' : 'poisson', rate_per_s: rate },
          prompt_tokens: { dist: 'constant', value: 4096 },
          output_tokens: { dist: 'constant', value: 50 },
        },
        scheduling: { router: 'least-work', decode_router: router },
      },
      'rack-aware.json',
    );
  }

  it('sends a lone hand-off down the path with the most bandwidth', () => {
    const r = runScenario(racks('rack-aware', 1, 1.5)).tables.requests;
    expect(r.getChild('decode_node')?.get(0)).toBe('wide-0/decode-0');
  });

  it('under load, hands off faster than least-work, which ignores the network', () => {
    const mean = (router: string) => {
      const t = column(runScenario(racks(router, 10)).tables.requests, 'transfer_s').filter((x) => !Number.isNaN(x));
      return t.reduce((a, b) => a + b, 0) / t.length;
    };
    expect(mean('rack-aware')).toBeLessThan(0.7 * mean('least-work'));
  });
});
