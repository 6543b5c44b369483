// Admission on colocated (mixed) instances: prompts in prefill count against
// decode_max_batch (vLLM's max_num_seqs), and reserve admission (TensorRT-LLM's
// GUARANTEED_NO_EVICT) never evicts. Checked on the sample path, from requests.arrow.
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { BF16, HARDWARE, kvCapacityTokens, MODELS } from '../../sim/physics/index.js';
import { expectRunConserved } from '../helpers/conservation.js';
import { column } from '../helpers/queueing.js';
import { problems } from '../helpers/problems.js';
import { worstTimeDifference } from '../helpers/same-times.js';

type Run = ReturnType<typeof runScenario>;
type Policy = 'chunked' | 'prefill-first';

interface Burst {
  policy: Policy;
  n: number;
  maxBatch: number;
  prompt: object;
  output: object;
  seed?: number;
  memory_gb?: number;
  admission?: 'evict' | 'reserve';
  max_tokens?: number;
  stepping?: 'fast-forward' | 'exact';
  /** Poisson arrivals at this rate for `duration_s` instead of a burst. */
  poisson?: { rate_per_s: number; duration_s: number };
}

const BURST_RATE_PER_S = 1e5;

/** One Llama 3.1 8B replica on one H100 (optionally with less memory), serving both phases. */
function scenario(b: Burst) {
  const hardware =
    b.memory_gb === undefined ? 'h100-sxm' : { id: 'h100-small', base: 'h100-sxm', memory_gb: b.memory_gb };
  const arrivals = b.poisson
    ? { process: 'poisson', rate_per_s: b.poisson.rate_per_s }
    : // An offline burst: n requests within (n + ½)/100,000 s.
      { process: 'deterministic', rate_per_s: BURST_RATE_PER_S };
  return checkScenario(
    {
      name: 'admission',
      seed: b.seed ?? 5,
      // Arrivals at k/rate, k = 1, 2, …: n of them before (n + ½)/rate.
      duration_s: b.poisson ? b.poisson.duration_s : (b.n + 0.5) / BURST_RATE_PER_S,
      drain_s: 100_000,
      model: 'llama-3.1-8b',
      datacenter: { racks: [{ name: 'm', nodes: [{ hardware, devices: 1, role: 'mixed' }] }] },
      workload: {
        arrivals,
        prompt_tokens: b.prompt,
        output_tokens: b.output,
        ...(b.max_tokens ? { max_tokens: b.max_tokens } : {}),
      },
      scheduling: {
        mixed_policy: b.policy,
        decode_max_batch: b.maxBatch,
        chunk_tokens: 2048,
        admission: b.admission ?? 'evict',
        decode_stepping: b.stepping ?? 'fast-forward',
      },
    },
    'admission.json',
  );
}

const capacityOf = (memory_gb?: number) =>
  kvCapacityTokens({
    model: MODELS['llama-3.1-8b']!,
    hardware: { ...HARDWARE['h100-sxm']!, ...(memory_gb === undefined ? {} : { memory_gb }) },
    devices: 1,
    precision: BF16,
  });

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const preemptions = (r: Run) => sum(column(r.tables.requests, 'preemptions'));

/**
 * The most of `weight` held at once by requests between their prefill start and their
 * completion. With weight 1: the most requests running at once (exact when none was
 * evicted: an evicted request holds no slot while it waits). Ends come before starts at
 * the same instant (a slot freed at a boundary is taken at that boundary).
 */
function peak(r: Run, weight: (i: number) => number): number {
  const t = r.tables.requests;
  const start = column(t, 'prefill_start_s');
  const end = column(t, 'completion_s');
  const events: Array<[number, number]> = [];
  start.forEach((s, i) => {
    if (Number.isNaN(s)) return;
    events.push([s, weight(i)]);
    events.push([end[i] as number, -weight(i)]);
  });
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, w] of events) {
    now += w;
    most = Math.max(most, now);
  }
  return most;
}
const mostRunning = (r: Run) => peak(r, () => 1);

/** Output tokens per second of the requests completing in [from_s, to_s). */
function throughput(r: Run, from_s: number, to_s: number): number {
  const done = column(r.tables.requests, 'completion_s');
  const out = column(r.tables.requests, 'output_tokens');
  let tokens = 0;
  done.forEach((c, i) => {
    if (c >= from_s && c < to_s) tokens += out[i] as number;
  });
  return tokens / (to_s - from_s);
}

const makespan = (r: Run) => Math.max(...column(r.tables.requests, 'completion_s'));

describe('prefilling sequences count against decode_max_batch (vLLM max_num_seqs)', () => {
  const prompt = { dist: 'lognormal', median: 1024, sigma: 1.0, max: 4096 };
  const output = { dist: 'lognormal', median: 256, sigma: 0.8, max: 2048 };

  it.each(['chunked', 'prefill-first'] as const)(
    '%s: a burst of 1,500 requests is never preempted when KV holds decode_max_batch full contexts',
    (policy) => {
      const maxBatch = 64;
      // 64 × (4,096 + 2,048) = 393,216 tokens ≤ the replica's KV.
      expect(maxBatch * (4096 + 2048)).toBeLessThanOrEqual(capacityOf());
      const r = runScenario(scenario({ policy, n: 1500, maxBatch, prompt, output }));
      expectRunConserved(r);
      expect(r.summary.completed).toBe(1500);
      expect(preemptions(r)).toBe(0);
      // The cap holds on the sample path, and binds: the burst keeps it full.
      expect(mostRunning(r)).toBe(maxBatch);
    },
  );

  it('and is preempted when KV cannot hold them (the check above can fail)', () => {
    const maxBatch = 256;
    expect(maxBatch * (4096 + 2048)).toBeGreaterThan(capacityOf());
    const r = runScenario(scenario({ policy: 'chunked', n: 1500, maxBatch, prompt, output }));
    expectRunConserved(r);
    expect(preemptions(r)).toBeGreaterThan(0);
  });

  it.each(['chunked', 'prefill-first'] as const)(
    "%s: an offline burst runs at the instance's steady-state throughput, within 3 percent",
    (policy) => {
      // Constant lengths, so the burst's last wave is like the others. Steady state: the
      // same instance fed by Poisson arrivals at 1.5× what it serves, so that it always
      // has decode_max_batch requests running; output tokens/s of the completions in
      // [T/4, T). Burst: all output tokens over the time to the last completion.
      const o = {
        policy,
        maxBatch: 32,
        prompt: { dist: 'constant', value: 1024 },
        output: { dist: 'constant', value: 256 },
      };
      const n = 16 * o.maxBatch;
      const burst = runScenario(scenario({ ...o, n }));
      expect(preemptions(burst)).toBe(0);
      const burst_tps = (n * 256) / makespan(burst);
      const T = 200;
      const steady = runScenario(
        scenario({ ...o, n: 0, poisson: { rate_per_s: (1.5 * burst_tps) / 256, duration_s: T } }),
      );
      expect(mostRunning(steady)).toBe(o.maxBatch);
      const steady_tps = throughput(steady, T / 4, T);
      // Before prompts counted against the cap, sustained overload ran 20–34% below the
      // burst (prefilled prompts parked in KV, waiting for a slot).
      expect(Math.abs(burst_tps / steady_tps - 1)).toBeLessThan(0.03);
    },
  );
});

describe('reserve admission (TensorRT-LLM GUARANTEED_NO_EVICT)', () => {
  // Generated bursts on a replica with little KV, where evict admission preempts.
  const bursts: Burst[] = [
    {
      policy: 'chunked',
      n: 800,
      maxBatch: 256,
      memory_gb: 24,
      max_tokens: 1024,
      seed: 1,
      prompt: { dist: 'lognormal', median: 1500, sigma: 0.9, max: 12000 },
      output: { dist: 'lognormal', median: 200, sigma: 1.0, max: 3000 },
    },
    {
      policy: 'prefill-first',
      n: 800,
      maxBatch: 128,
      memory_gb: 24,
      max_tokens: 2000,
      seed: 2,
      prompt: { dist: 'lognormal', median: 800, sigma: 1.2, max: 16000 },
      output: { dist: 'exponential', mean: 300 },
    },
    {
      policy: 'chunked',
      n: 600,
      maxBatch: 64,
      memory_gb: 20,
      max_tokens: 512,
      seed: 3,
      prompt: { dist: 'uniform', min: 100, max: 6000 },
      output: { dist: 'uniform', min: 1, max: 1500 },
    },
    {
      policy: 'prefill-first',
      n: 1000,
      maxBatch: 512,
      memory_gb: 30,
      max_tokens: 4096,
      seed: 4,
      prompt: { dist: 'exponential', mean: 2000, max: 20000 },
      output: { dist: 'lognormal', median: 400, sigma: 0.7, max: 4096 },
    },
  ];

  it.each(bursts)(
    'I1 I3 I9 reserve admission: $policy, decode_max_batch $maxBatch, $memory_gb GB, max_tokens $max_tokens, nothing preempted, KV and the cap never exceeded',
    (b) => {
      const r = runScenario(scenario({ ...b, admission: 'reserve' }));
      expectRunConserved(r);
      const t = r.tables.requests;
      expect(preemptions(r)).toBe(0);
      const completed = column(t, 'completion_s').filter((c) => !Number.isNaN(c)).length;
      expect(completed + r.summary.rejected).toBe(b.n);
      expect(mostRunning(r)).toBeLessThanOrEqual(b.maxBatch);
      // What each admitted request can hold, prompt + output − 1, summed over those
      // admitted at once: an upper bound of the KV in use, read from the sample path.
      const promptTokens = column(t, 'prompt_tokens');
      const outputTokens = column(t, 'output_tokens');
      expect(peak(r, (i) => (promptTokens[i] as number) + (outputTokens[i] as number) - 1)).toBeLessThanOrEqual(
        capacityOf(b.memory_gb),
      );
      for (const f of column(r.tables.nodes, 'kv_used_frac')) expect(f).toBeLessThanOrEqual(1);
      // The client's limit caps every output.
      expect(Math.max(...outputTokens)).toBeLessThanOrEqual(b.max_tokens as number);
      // The same burst under evict admission does preempt: the property is not vacuous.
      expect(preemptions(runScenario(scenario({ ...b, admission: 'evict' })))).toBeGreaterThan(0);
    },
  );

  it('rejects, with the reason, a prompt whose prompt + max_tokens can never fit', () => {
    const cap = capacityOf(20);
    const r = runScenario(
      scenario({
        policy: 'chunked',
        n: 50,
        maxBatch: 64,
        memory_gb: 20,
        admission: 'reserve',
        max_tokens: 2000,
        prompt: { dist: 'uniform', min: cap - 4000, max: cap - 1000 },
        output: { dist: 'constant', value: 10 },
      }),
    );
    expectRunConserved(r);
    const t = r.tables.requests;
    const prompt = column(t, 'prompt_tokens');
    const status = Array.from({ length: t.numRows }, (_, i) => t.getChild('status')?.get(i) as string);
    const reason = Array.from({ length: t.numRows }, (_, i) => t.getChild('reason')?.get(i) as string | null);
    prompt.forEach((p, i) => {
      if (p + 2000 - 1 > cap) {
        expect(status[i]).toBe('rejected');
        expect(reason[i]).toMatch(/plus max_tokens 2000 cannot fit/);
      } else expect(status[i]).toBe('completed');
    });
    expect(status).toContain('rejected');
    expect(status).toContain('completed');
  });
});

describe("max_tokens: the client's output limit", () => {
  it('stops every longer output at the limit and leaves the others as they were', () => {
    const b: Burst = {
      policy: 'chunked',
      n: 400,
      maxBatch: 64,
      prompt: { dist: 'constant', value: 500 },
      output: { dist: 'lognormal', median: 300, sigma: 1.0, max: 5000 },
    };
    const free = runScenario(scenario(b)).tables.requests;
    const capped = runScenario(scenario({ ...b, max_tokens: 300 })).tables.requests;
    const byId = (t: typeof free) => {
      const ids = column(t, 'request_id');
      const out = column(t, 'output_tokens');
      return new Map(ids.map((id, i) => [id, out[i] as number]));
    };
    const a = byId(free);
    const c = byId(capped);
    expect(a.size).toBe(400);
    expect(c.size).toBe(400);
    let cut = 0;
    for (const [id, out] of a) {
      expect(c.get(id)).toBe(Math.min(out, 300));
      if (out > 300) cut++;
    }
    expect(cut).toBeGreaterThan(100);
  });
});

describe('fast-forward stays exact under the new admission', () => {
  const TIMES = ['prefill_start_s', 'first_token_s', 'decode_start_s', 'completion_s'];

  // Poisson arrivals above what the instance serves: prompts wait, refused for want of a
  // slot (80 GB: the cap binds) or of KV (22 GB), while new arrivals cut decode runs.
  it.each([
    ['chunked', 'evict', 80],
    ['prefill-first', 'evict', 80],
    ['chunked', 'evict', 22],
    ['prefill-first', 'evict', 22],
    ['chunked', 'reserve', 80],
    ['prefill-first', 'reserve', 22],
  ] as const)(
    '%s, %s, %s GB: the same per-request times as exact stepping, to 1e-9',
    (policy, admission, memory_gb) => {
      const b: Burst = {
        policy,
        admission,
        n: 0,
        maxBatch: 24,
        memory_gb,
        max_tokens: 1500,
        seed: 9,
        prompt: { dist: 'lognormal', median: 1200, sigma: 0.9, max: 10000 },
        output: { dist: 'lognormal', median: 200, sigma: 0.9, max: 3000 },
        poisson: { rate_per_s: 12, duration_s: 40 },
      };
      const exact = runScenario(scenario({ ...b, stepping: 'exact' }));
      const ff = runScenario(scenario({ ...b, stepping: 'fast-forward' }));
      if (memory_gb === 80) expect(mostRunning(exact)).toBe(b.maxBatch);
      else if (admission === 'evict') expect(preemptions(exact)).toBeGreaterThan(0);
      const worst = worstTimeDifference(exact.tables.requests, ff.tables.requests, TIMES);
      expect(worst).toBeLessThan(1e-9);
      expect(preemptions(ff)).toBe(preemptions(exact));
      expect(ff.stats.events).toBeLessThan(exact.stats.events);
    },
  );
});

describe('scenario rules for reserve admission', () => {
  const base = () => ({
    name: 'r',
    duration_s: 10,
    model: 'llama-3.1-8b',
    datacenter: { racks: [{ name: 'm', nodes: [{ hardware: 'h100-sxm', devices: 1, role: 'mixed' }] }] },
    workload: {
      arrivals: { process: 'poisson', rate_per_s: 1 },
      prompt_tokens: { dist: 'constant', value: 100 },
      output_tokens: { dist: 'constant', value: 10 },
    } as Record<string, unknown>,
    scheduling: { admission: 'reserve' },
  });

  it('needs workload.max_tokens', () => {
    expect(problems(base())).toEqual([expect.stringMatching(/^scheduling\.admission: .*set workload\.max_tokens/)]);
    const ok = base();
    ok.workload.max_tokens = 64;
    expect(problems(ok)).toEqual([]);
  });

  it('is refused where a split decode instance would not follow it', () => {
    const s = base();
    s.workload.max_tokens = 64;
    s.datacenter.racks[0]!.nodes = [
      { hardware: 'h100-sxm', devices: 1, role: 'prefill' },
      { hardware: 'h100-sxm', devices: 1, role: 'decode' },
    ];
    expect(problems(s)).toEqual([
      expect.stringMatching(/^scheduling\.admission: "reserve" applies to mixed .*nodes\[1\] is a decode instance/),
    ]);
  });

  it('defaults to evict, and max_tokens is optional', () => {
    const s = base();
    s.scheduling = {} as { admission: string };
    const r = checkScenario(s, 'r.json');
    expect(r.scheduling.admission).toBe('evict');
    expect(r.workload.max_tokens).toBeUndefined();
  });
});
