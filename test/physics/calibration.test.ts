// Calibration: one request through the whole simulator (scenario → pipeline →
// requests.arrow) reproduces the published single-user speeds (sources: docs/physics.md;
// the constants are fitted by npm run calibrate to docs/measurements.csv).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { column, roundTrip } from '../helpers/queueing.js';

/** One request (arriving at t = 1 s) on a prefill instance and a decode instance of `hardware`. */
function singleRequest(
  model: string,
  hardware: string,
  devices: number | undefined,
  prompt: number,
  output: number,
  speculative?: object,
) {
  const group = (role: string) => ({
    hardware,
    role,
    count: 1,
    ...(devices ? { devices } : {}),
    ...(speculative && role === 'decode' ? { speculative } : {}),
  });
  const s = checkScenario(
    {
      name: 'calibration',
      duration_s: 1.5,
      drain_s: 600,
      model,
      datacenter: {
        racks: [{ name: 'r', nodes: [group('prefill'), group('decode')] }],
        network: { kv_transfer: 'off' },
      },
      workload: {
        arrivals: { process: 'deterministic', rate_per_s: 1 },
        prompt_tokens: { dist: 'constant', value: prompt },
        output_tokens: { dist: 'constant', value: output },
      },
    },
    'calibration.json',
  );
  const requests = roundTrip(runScenario(s).tables.requests);
  expect(requests.numRows).toBe(1);
  expect(requests.getChild('status')?.get(0)).toBe('completed');
  return {
    tokensPerSecond: 1 / (column(requests, 'tpot_s')[0] as number),
    ttft_s: column(requests, 'ttft_s')[0] as number,
  };
}

describe('single-user decode speed, read from requests.arrow', () => {
  it('CS-3 without speculation, Llama 3.1 70B on 4 wafers: the launch figure, 450 tokens/s ± 10%', () => {
    const { tokensPerSecond } = singleRequest('llama-3.1-70b', 'cs3', 4, 1000, 500);
    expect(tokensPerSecond).toBeGreaterThan(450 * 0.9);
    expect(tokensPerSecond).toBeLessThan(450 * 1.1);
  });

  it('CS-3 without speculation, Llama 3.1 8B on one wafer: the launch figure, 1,800 tokens/s ± 10%', () => {
    const { tokensPerSecond } = singleRequest('llama-3.1-8b', 'cs3', 1, 1000, 500);
    expect(tokensPerSecond).toBeGreaterThan(1800 * 0.9);
    expect(tokensPerSecond).toBeLessThan(1800 * 1.1);
  });

  it("CS-3 with the built-in AWS split's speculative setting, Llama 3.1 70B: Cerebras' 2,100 tokens/s ± 10%", () => {
    const scenario = JSON.parse(
      readFileSync(new URL('../../scenarios/aws-split-llama70b.json', import.meta.url), 'utf8'),
    );
    const decode = scenario.datacenter.racks
      .flatMap((r: { nodes: object[] }) => r.nodes)
      .find((n: { hardware: string }) => n.hardware === 'cs3');
    expect(decode.speculative).toBeDefined();
    const { tokensPerSecond } = singleRequest('llama-3.1-70b', 'cs3', 4, 1000, 500, decode.speculative);
    expect(tokensPerSecond).toBeGreaterThan(2100 * 0.9);
    expect(tokensPerSecond).toBeLessThan(2100 * 1.1);
  });

  it('CS-3, Llama 3.1 405B: wider and deeper layers than 70B, so slower per user without speculation', () => {
    const { tokensPerSecond } = singleRequest('llama-3.1-405b', 'cs3', undefined, 1024, 256);
    expect(tokensPerSecond).toBeLessThan(450);
  });

  it('8 × H100, Llama 3.1 70B: below the weight-bandwidth bound (190 tokens/s) and faster per user than 4 × H100', () => {
    const eight = singleRequest('llama-3.1-70b', 'h100-sxm', 8, 1024, 256).tokensPerSecond;
    expect(eight).toBeLessThan((8 * 3.35e12) / 141.1e9);
    expect(eight).toBeGreaterThan(singleRequest('llama-3.1-70b', 'h100-sxm', 4, 1024, 256).tokensPerSecond);
  });

  it('trn2.48xlarge, Llama 3.1 70B: the Neuron tutorial’s TPOT of 19.8 ms (≈ 50 tokens/s) within 25%; a 2,048-token prefill in tens of ms', () => {
    const { tokensPerSecond, ttft_s } = singleRequest('llama-3.1-70b', 'trn2.48xlarge', undefined, 2048, 256);
    expect(tokensPerSecond).toBeGreaterThan(0.75 / 0.0198);
    expect(tokensPerSecond).toBeLessThan(1.25 / 0.0198);
    expect(ttft_s).toBeGreaterThanOrEqual(0.01);
    expect(ttft_s).toBeLessThan(0.2);
  });
});

describe('a lone request reproduces the physics', () => {
  it('TTFT = prefill time; TPOT = mean decode step time over the growing context', async () => {
    const { batchTimer, HARDWARE, MODELS, BF16 } = await import('../../sim/physics/index.js');
    const timer = batchTimer({
      model: MODELS['llama-3.1-70b']!,
      hardware: HARDWARE['h100-sxm']!,
      devices: 8,
      precision: BF16,
    });
    const prompt = 3000;
    const output = 40;
    const r = singleRequest('llama-3.1-70b', 'h100-sxm', 8, prompt, output);
    expect(r.ttft_s).toBeCloseTo(timer.prefillSeconds(prompt, prompt * prompt), 12);
    let decode = 0;
    // Step k (1 … output−1) reads the prompt, the k−1 earlier decode tokens and itself.
    for (let k = 1; k < output; k++) decode += timer.decodeStepSeconds(1, prompt + k);
    expect(1 / r.tokensPerSecond).toBeCloseTo(decode / (output - 1), 12);
  });
});
