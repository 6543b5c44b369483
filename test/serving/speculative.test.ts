// Speculative decoding through the whole simulator: a lone request's TPOT is the step
// time over the expected tokens per step, computed here by hand; the node-group
// setting's input errors name their fields.
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { HARDWARE } from '../../sim/physics/index.js';
import { column, roundTrip } from '../helpers/queueing.js';
import { problems } from '../helpers/problems.js';

interface Spec {
  draft_model: unknown;
  tokens: number;
  acceptance: number;
}

/** One request on a trn2.48xlarge prefill instance and one decode instance (16 chips each). */
function lone(speculative: Spec | undefined, prompt: number, output: number, role: 'decode' | 'mixed' = 'decode') {
  const group = (r: string, s?: Spec) => ({
    hardware: 'trn2.48xlarge',
    role: r,
    count: 1,
    ...(s ? { speculative: s } : {}),
  });
  const nodes = role === 'decode' ? [group('prefill'), group('decode', speculative)] : [group('mixed', speculative)];
  return {
    name: 'speculative',
    duration_s: 1.5,
    drain_s: 600,
    model: 'llama-3.1-70b',
    datacenter: { racks: [{ name: 'r', nodes }], network: { kv_transfer: 'off' } },
    workload: {
      arrivals: { process: 'deterministic', rate_per_s: 1 },
      prompt_tokens: { dist: 'constant', value: prompt },
      output_tokens: { dist: 'constant', value: output },
    },
  };
}

function tpot(json: unknown): number {
  const requests = roundTrip(runScenario(checkScenario(json, 'speculative.json')).tables.requests);
  expect(requests.numRows).toBe(1);
  expect(requests.getChild('status')?.get(0)).toBe('completed');
  return column(requests, 'tpot_s')[0] as number;
}

/**
 * By hand, from the trn2 spec (AWS Neuron docs) as the catalog states it: 16 chips of
 * 667 TF BF16 (× decode MFU) and 2.9 TB/s (× HBM efficiency); per pass a fixed time per
 * layer and two ring all-reduces per layer over 16 chips (fixed latency + 2·15 step
 * latencies + 2·15/16 of the activations, tokens × hidden × 2 B, over 1,024 GB/s); a
 * fixed time per step, paid once per step. The efficiencies and fixed times are the
 * catalog's (fitted by npm run calibrate; sim/physics/fitted.ts), read here.
 */
const trn2 = HARDWARE['trn2.48xlarge']!;
const { decode_mfu, memory_bw } = trn2.efficiency;
const { per_layer_s, allreduce_s, step_s: trn2Step_s } = trn2.overhead;
const ring_s = allreduce_s + 2 * 15 * (trn2.overhead.allreduce_step_s ?? 0);
const trn2Pass =
  (m: { layers: number; hidden: number; params: number; matmul: number; kv_B: number; pairFlops: number }) =>
  (tokens: number, pairs: number, kv: number, step_s: number) =>
    Math.max(
      (2 * m.matmul * tokens + m.pairFlops * pairs) / (16 * 667e12 * decode_mfu),
      (2 * m.params + kv * m.kv_B) / (16 * 2.9e12 * memory_bw),
    ) +
    m.layers * per_layer_s +
    2 * m.layers * (ring_s + ((2 * 15) / 16) * ((tokens * m.hidden * 2) / 1024e9)) +
    step_s;
// Llama 3.1 70B: 70,553,706,496 parameters, 128,256 × 8,192 of them the input embedding.
const target = trn2Pass({
  layers: 80,
  hidden: 8192,
  params: 70_553_706_496,
  matmul: 70_553_706_496 - 128_256 * 8192,
  kv_B: 2 * 80 * 8 * 128 * 2,
  pairFlops: 4 * 80 * 64 * 128,
});
// Llama 3.2 1B: 1,235,814,400 parameters, embeddings tied (all of them multiply).
const draft = trn2Pass({
  layers: 16,
  hidden: 2048,
  params: 1_235_814_400,
  matmul: 1_235_814_400,
  kv_B: 2 * 16 * 8 * 64 * 2,
  pairFlops: 4 * 16 * 32 * 64,
});

/** A lone request's speculative step at total context C (its context plus the new token). */
function handStep(k: number, C: number): number {
  const q = k + 1;
  let t = target(q, q * C + (k * q) / 2, C + k, trn2Step_s);
  for (let j = 0; j < k; j++) t += draft(1, C + j, C + j, 0);
  return t;
}

describe('a lone request with speculative decoding (trn2.48xlarge, Llama 3.1 70B, Llama 3.2 1B draft)', () => {
  const prompt = 2048;
  const output = 257;
  /** TPOT by hand: decode step i (i = 0 … output − 2) reads prompt + i + 1 tokens. */
  function handTpot(k: number, E: number): number {
    let sum = 0;
    for (let i = 0; i < output - 1; i++) sum += handStep(k, prompt + i + 1) / E;
    return sum / (output - 1);
  }

  it('has TPOT = step time ÷ E, E = (1 − α^(k+1)) / (1 − α)', () => {
    // k = 7, α = 0.8: E = 4.1611392 (Leviathan et al. 2023).
    const got = tpot(lone({ draft_model: 'llama-3.2-1b', tokens: 7, acceptance: 0.8 }, prompt, output));
    expect(got / handTpot(7, 4.1611392)).toBeCloseTo(1, 9);
  });

  it('at α = 0 is slower than without speculation by the draft passes and the wider verification', () => {
    const plain = tpot(lone(undefined, prompt, output));
    const at0 = tpot(lone({ draft_model: 'llama-3.2-1b', tokens: 3, acceptance: 0 }, prompt, output));
    expect(at0 / handTpot(3, 1)).toBeCloseTo(1, 9);
    expect(at0).toBeGreaterThan(plain);
  });

  it('on a mixed (colocated) instance decodes at the same speed', () => {
    const got = tpot(lone({ draft_model: 'llama-3.2-1b', tokens: 7, acceptance: 0.8 }, prompt, output, 'mixed'));
    expect(got / handTpot(7, 4.1611392)).toBeCloseTo(1, 9);
  });

  it('takes an inline draft model like a catalog one', () => {
    const inline = {
      id: 'my-1b',
      layers: 16,
      hidden: 2048,
      heads: 32,
      kv_heads: 8,
      head_dim: 64,
      ffn: 8192,
      vocab: 128_256,
      tied_embeddings: true,
    };
    const got = tpot(lone({ draft_model: inline, tokens: 7, acceptance: 0.8 }, prompt, output));
    expect(got / handTpot(7, 4.1611392)).toBeCloseTo(1, 9);
  });
});

describe('speculative settings that are wrong', () => {
  const at = 'datacenter.racks[0].nodes[1].speculative';
  const ok = { draft_model: 'llama-3.2-1b', tokens: 4, acceptance: 0.7 };

  it.each([
    ['acceptance 1', { ...ok, acceptance: 1 }, `${at}.acceptance`, /must be a number in \[0, 1\), got 1/],
    ['negative acceptance', { ...ok, acceptance: -0.1 }, `${at}.acceptance`, /\[0, 1\)/],
    ['zero tokens', { ...ok, tokens: 0 }, `${at}.tokens`, /must be an integer from 1 to 16, got 0/],
    ['17 tokens', { ...ok, tokens: 17 }, `${at}.tokens`, /from 1 to 16, got 17/],
    ['fractional tokens', { ...ok, tokens: 2.5 }, `${at}.tokens`, /integer/],
    [
      'unknown draft',
      { ...ok, draft_model: 'llama-3.2-1bb' },
      `${at}.draft_model`,
      /unknown model 'llama-3.2-1bb'.*did you mean/,
    ],
    [
      'draft of another vocabulary',
      {
        ...ok,
        draft_model: {
          id: 'opt-125m',
          layers: 12,
          hidden: 768,
          heads: 12,
          kv_heads: 12,
          head_dim: 64,
          ffn: 3072,
          vocab: 50_272,
        },
      },
      `${at}.draft_model`,
      /vocabulary of 50272 tokens.*128256/,
    ],
    ['a field it does not have', { ...ok, k: 3 }, `${at}.k`, /unknown key; allowed: draft_model, tokens, acceptance/],
  ])('%s', (_name, speculative, path, message) => {
    const found = problems(lone(speculative as Spec, 1024, 64));
    const hit = found.find((p) => p.startsWith(`${path}: `));
    expect(hit, found.join('\n')).toBeDefined();
    expect(hit).toMatch(message);
  });

  it('a draft that does not fit beside the target names speculative.draft_model', () => {
    // A 405B "draft" beside a 405B target: 1,623 GB of weights, more than 90% of one
    // trn2.48xlarge's usable 1,484 GB; two instances (32 chips) hold them.
    const s = lone({ draft_model: 'llama-3.1-405b', tokens: 2, acceptance: 0.5 }, 1024, 64);
    s.model = 'llama-3.1-405b';
    (s.datacenter.racks[0]!.nodes[1] as Record<string, unknown>).devices = 16;
    const found = problems(s);
    expect(found.join('\n')).toMatch(
      /datacenter\.racks\[0\]\.nodes\[1\]\.speculative\.draft_model: llama-3\.1-405b .* does not fit beside llama-3\.1-405b .* on 16 × trn2\.48xlarge.*fewest devices that hold both: 32/,
    );
  });

  it('without devices, sizing picks the fewest that hold both models', () => {
    const s = lone({ draft_model: 'llama-3.1-405b', tokens: 2, acceptance: 0.5 }, 1024, 64);
    s.model = 'llama-3.1-405b';
    const resolved = checkScenario(s, 'f.json');
    expect(resolved.instances[0]?.deployment?.devices).toBe(16);
    expect(resolved.instances[1]?.deployment?.devices).toBe(32);
  });

  it('a prefill group, or one decoding on service times, cannot speculate', () => {
    const s = lone(undefined, 1024, 64);
    (s.datacenter.racks[0]!.nodes[0] as Record<string, unknown>).speculative = ok;
    expect(problems(s).join('\n')).toMatch(/datacenter\.racks\[0\]\.nodes\[0\]\.speculative: .*"decode" or "mixed"/);
    const q = lone(ok, 1024, 64);
    (q.datacenter.racks[0]!.nodes[1] as Record<string, unknown>).service = {
      decode: { dist: 'exponential', mean_s: 1 },
    };
    expect(problems(q).join('\n')).toMatch(/nodes\[1\]\.speculative: needs the performance model/);
  });
});
