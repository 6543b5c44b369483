// The prefix cache in whole-simulator runs, against computations written here without
// the simulator: the offline ideal (a cache that never evicts), a plain array LRU (a
// small cache, one request at a time), and the physics of the uncached suffix.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkScenario, loadScenario, runScenario } from '../../sim/index.js';
import { batchTimer } from '../../sim/physics/index.js';
import { prefixHitSeries } from '../../sim/report/run-data.js';
import { formatSummary } from '../../sim/cli/format.js';
import { buildReport, readResults } from '../../sim/report/index.js';
import { runScenarioToFolder } from '../../sim/run-to-folder.js';
import { column } from '../helpers/queueing.js';
import { expectRunConserved } from '../helpers/conservation.js';

interface Line {
  input_length: number;
  output_length: number;
  hash_ids: number[];
}

const B = 512;
const tracePath = new URL('../../traces/mooncake_conversation_trace.jsonl.gz', import.meta.url);
/** The first 200 requests of the Mooncake conversation trace, parsed here (not with the project's reader). */
const lines: Line[] = gunzipSync(readFileSync(tracePath))
  .toString('utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .slice(0, 200)
  .map((l) => JSON.parse(l) as Line);

/** The requests as a Mooncake trace, `gap_s` apart: each ends before the next arrives. */
function traceFile(requests: readonly Line[], gap_s: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-prefix-'));
  const path = join(dir, 'trace.jsonl');
  const text = requests.map((r, i) => JSON.stringify({ ...r, timestamp: i * gap_s * 1000 })).join('\n');
  writeFileSync(path, `${text}\n`);
  return path;
}

/**
 * One prefill instance of `prefill` hardware and one trn2 decoder, hand-off at once, the
 * cache on; or (`mixed`) one colocated instance of that hardware doing both.
 */
function scenario(path: string, prefill: { hardware: string; devices?: number }, duration_s: number, mixed = false) {
  return checkScenario({
    name: 'prefix-run',
    duration_s,
    model: 'llama-3.1-70b',
    datacenter: {
      racks: [
        {
          name: 'r',
          nodes: mixed
            ? [{ ...prefill, count: 1, role: 'mixed' }]
            : [
                { ...prefill, count: 1, role: 'prefill' },
                { hardware: 'trn2.48xlarge', count: 1, role: 'decode' },
              ],
        },
      ],
    },
    workload: { arrivals: { process: 'trace', path, format: 'mooncake-jsonl' } },
    scheduling: { router: 'least-work', prefix_cache: { block_tokens: B } },
  });
}

/** A hit: the leading run of ids that `has` holds. */
function leadingRun(ids: readonly number[], n: number, has: (id: number) => boolean): number {
  let i = 0;
  while (i < n && has(ids[i] as number)) i++;
  return i;
}

/** The tokens a prefill skips for a hit of `blocks`: the "at least one prompt token is computed". */
const skipped = (blocks: number, promptTokens: number) => Math.min(blocks * B, promptTokens - 1);

/** Requests by id: (status, cached, prompt, prefill time) of the run, checking one ran at a time. */
function rows(result: ReturnType<typeof runScenario>) {
  const t = result.tables.requests;
  const id = column(t, 'request_id');
  const cached = column(t, 'cached_prompt_tokens');
  const start = column(t, 'prefill_start_s');
  const first = column(t, 'first_token_s');
  const done = column(t, 'completion_s');
  const status = Array.from({ length: t.numRows }, (_, i) => String(t.getChild('status')?.get(i)));
  const byId = new Map<number, { status: string; cached: number; prefill_s: number; done_s: number }>();
  for (let i = 0; i < t.numRows; i++) {
    byId.set(id[i] as number, {
      status: status[i] as string,
      cached: cached[i] as number,
      prefill_s: (first[i] as number) - (start[i] as number),
      done_s: done[i] as number,
    });
  }
  return byId;
}

describe('prefix cache, whole simulator', () => {
  it.each([
    ['split prefill', false],
    ['mixed', true],
  ])('one %s instance whose cache never evicts reaches the offline ideal, request by request', (_, mixed) => {
    const gap_s = 200;
    const s = scenario(traceFile(lines, gap_s), { hardware: 'trn2.48xlarge' }, lines.length * gap_s, mixed);
    const result = runScenario(s);
    const got = rows(result);
    // The ideal: the leading run of the prompt's full blocks found among earlier prompts' full blocks.
    const seen = new Set<number>();
    let cached = 0;
    let prompt = 0;
    lines.forEach((r, i) => {
      const full = Math.floor(r.input_length / B);
      const want = skipped(
        leadingRun(r.hash_ids, full, (id) => seen.has(id)),
        r.input_length,
      );
      for (const id of r.hash_ids.slice(0, full)) seen.add(id);
      const row = got.get(i);
      expect(row?.status).toBe('completed');
      expect(row?.cached, `request ${i}`).toBe(want);
      // One request at a time: it was done before the next arrived.
      expect(row?.done_s as number).toBeLessThan((i + 1) * gap_s);
      cached += want;
      prompt += r.input_length;
    });
    // The 200 prompts' distinct full blocks fit the instance's KV with room for any prompt: nothing was evicted.
    expect(seen.size * B + 130_000).toBeLessThan(4_099_222);
    expect(result.summary.prefix_cache_hit_rate).toBeCloseTo(cached / prompt, 12);
    // The first 200 requests repeat little yet (5.9% of prompt tokens): hits, but a real test of the order.
    expect(cached / prompt).toBeGreaterThan(0.05);
  });

  it.each([
    ['split prefill', false],
    ['mixed', true],
  ])('a small cache (a CS-3 %s replica, ~207 blocks), one request at a time, equals a plain LRU', (_, mixed) => {
    const gap_s = 200;
    const s = scenario(traceFile(lines, gap_s), { hardware: 'cs3', devices: 4 }, lines.length * gap_s, mixed);
    const capacity = 106_483; // kvCapacityTokens of a four-wafer CS-3 replica of Llama 3.1 70B
    const got = rows(runScenario(s));
    // The model written here: an array of free blocks, least recently used first. A prompt
    // pins its hit, evicts from the front while free blocks + its tokens exceed the
    // capacity, and when its KV leaves, its full blocks go to the end last block first.
    // On a mixed instance the request decodes there too: its KV grows to prompt + output
    // − 1 tokens (the last token's KV is never written), evicting more on the way.
    let free: number[] = [];
    let hits = 0;
    lines.forEach((r, i) => {
      const row = got.get(i);
      if (r.input_length > capacity) {
        expect(row?.status).toBe('rejected');
        return;
      }
      const full = Math.floor(r.input_length / B);
      const hit = leadingRun(r.hash_ids, full, (id) => free.includes(id));
      const pinned = new Set(r.hash_ids.slice(0, hit));
      free = free.filter((id) => !pinned.has(id));
      const held = mixed ? r.input_length + r.output_length - 1 : r.input_length;
      while (free.length * B + held > capacity) free.shift();
      expect(row?.status).toBe('completed');
      expect(row?.cached, `request ${i}`).toBe(skipped(hit, r.input_length));
      const mine = r.hash_ids.slice(0, full);
      free = free.filter((id) => !mine.includes(id));
      free.push(...[...mine].reverse());
      if (hit > 0) hits++;
    });
    // Evictions happened (the cache is small) and hits did too: the test can tell LRU orders apart.
    expect(hits).toBeGreaterThan(50);
    expect(lines.reduce((n, r) => n + Math.floor(r.input_length / B), 0)).toBeGreaterThan(10 * 207);
  });

  it(
    'prefill with a cached prefix takes the physics time of the uncached suffix at that offset; ' +
      'a full hit computes one token',
    () => {
      const L = 4 * B;
      const requests: Line[] = [
        { input_length: 3 * B + 100, output_length: 4, hash_ids: [900, 901, 902, 903] },
        // Reuses the first 3 blocks: C = 1536, S = 100.
        { input_length: 3 * B + 100, output_length: 4, hash_ids: [900, 901, 902, 904] },
        { input_length: L, output_length: 4, hash_ids: [910, 911, 912, 913] },
        // All four blocks cached: C = L − 1, one token computed.
        { input_length: L, output_length: 4, hash_ids: [910, 911, 912, 913] },
      ];
      const s = scenario(traceFile(requests, 10), { hardware: 'trn2.48xlarge' }, 40);
      const got = rows(runScenario(s));
      const timer = batchTimer(s.instances[0]?.deployment as never);
      const physics = (promptTokens: number, c: number) => {
        const suffix = promptTokens - c;
        return timer.prefillSeconds(suffix, suffix * suffix, suffix * c, c);
      };
      expect(got.get(0)?.cached).toBe(0);
      expect(got.get(1)?.cached).toBe(3 * B);
      expect(got.get(3)?.cached).toBe(L - 1);
      for (const [i, r] of requests.entries()) {
        const c = got.get(i)?.cached as number;
        expect(got.get(i)?.prefill_s).toBeCloseTo(physics(r.input_length, c), 12);
      }
      // The cached prefix is not free: attention still reads it (S·C pairs, C tokens read).
      expect(physics(L, L - 1)).toBeGreaterThan(timer.prefillSeconds(1, 1));
      expect(physics(L, L - 1)).toBeLessThan(physics(L, 0));
    },
  );

  it(
    'columns: present with the cache (per-window hit rate = the requests ' + 'started in the window), absent without',
    () => {
      const gap_s = 7;
      const path = traceFile(lines.slice(0, 60), gap_s);
      const on = runScenario(scenario(path, { hardware: 'trn2.48xlarge' }, 60 * gap_s));
      const t = on.tables.requests;
      const start = column(t, 'prefill_start_s');
      const prompt = column(t, 'prompt_tokens');
      const cached = column(t, 'cached_prompt_tokens');
      const nodes = on.tables.nodes;
      const role = Array.from({ length: nodes.numRows }, (_, i) => String(nodes.getChild('role')?.get(i)));
      const from = column(nodes, 'window_start_s');
      const to = column(nodes, 'window_end_s');
      const hit = column(nodes, 'prefix_hit_rate');
      let windowsWithHits = 0;
      role.forEach((r, i) => {
        if (r !== 'prefill') {
          expect(hit[i]).toBeNaN();
          return;
        }
        let p = 0;
        let c = 0;
        start.forEach((s0, j) => {
          if (s0 >= (from[i] as number) && s0 < (to[i] as number)) {
            p += prompt[j] as number;
            c += cached[j] as number;
          }
        });
        if (p === 0) expect(hit[i]).toBeNaN();
        else expect(hit[i]).toBeCloseTo(c / p, 12);
        if (c > 0) windowsWithHits++;
      });
      expect(windowsWithHits).toBeGreaterThan(3);
      // The report's per-pool series: one prefill pool here, so each window's rate is the prefill node's.
      const series = prefixHitSeries(t, nodes, on.scenario.metrics.window_s);
      expect(series.length).toBeGreaterThan(3);
      for (const p of series) {
        const i = role.findIndex((r, j) => r === 'prefill' && from[j] === p.t);
        expect(p.pool).toBe('prefill');
        expect(p.hit).toBeCloseTo(hit[i] as number, 12);
      }
      expect(on.tables.summary.getChild('prefix_cache_hit_rate')).toBeTruthy();
      expect(nodes.getChild('kv_cached_frac')).toBeTruthy();

      const r = runScenario({ ...on.scenario, scheduling: { ...on.scenario.scheduling, prefix_cache: undefined } });
      expect(r.tables.requests.getChild('cached_prompt_tokens')).toBeNull();
      expect(r.tables.nodes.getChild('kv_cached_frac')).toBeNull();
      expect(r.tables.nodes.getChild('prefix_hit_rate')).toBeNull();
      expect(r.tables.summary.getChild('prefix_cache_hit_rate')).toBeNull();
      expect(r.summary.prefix_cache_hit_rate).toBeNull();
      expect(prefixHitSeries(r.tables.requests, r.tables.nodes, 10)).toEqual([]);
    },
  );

  it.each([
    ['mixed', true, [0, 1024, 2048]],
    ['split prefill', false, [0, 512, 1536]],
  ])(
    'sessions on one %s instance: later turns reuse the conversation (a mixed instance its replies too)',
    (_, mixed, want) => {
      // 600-token messages and replies, 512-token blocks: turn 2's prompt (1,800 tokens) is
      // turn 1's prompt, reply and a new message. A mixed instance keeps turn 1's 1,200
      // tokens of context (2 full blocks); a prefill instance only its prompt's 1 full block.
      // Turn 3 (3,000 tokens): 2,400 tokens of history (4 blocks) against turn 2's prompt (3).
      const s = checkScenario({
        name: 'sessions-cache',
        duration_s: 60,
        drain_s: 600,
        model: 'llama-3.1-70b',
        datacenter: {
          racks: [
            {
              name: 'r',
              nodes: mixed
                ? [{ hardware: 'trn2.48xlarge', count: 1, role: 'mixed' }]
                : [
                    { hardware: 'trn2.48xlarge', count: 1, role: 'prefill' },
                    { hardware: 'trn2.48xlarge', count: 1, role: 'decode' },
                  ],
            },
          ],
        },
        workload: {
          arrivals: { process: 'poisson', rate_per_s: 0.5 },
          sessions: {
            turns: { dist: 'constant', value: 3 },
            think_s: { dist: 'constant', value_s: 1 },
            user_tokens: { dist: 'constant', value: 600 },
            output_tokens: { dist: 'constant', value: 600 },
          },
        },
        scheduling: { router: 'least-work', prefix_cache: { block_tokens: B } },
      });
      const t = runScenario(s).tables.requests;
      const prompt = column(t, 'prompt_tokens');
      const cached = column(t, 'cached_prompt_tokens');
      const turns = [600, 1800, 3000];
      const seen = [0, 0, 0];
      prompt.forEach((p, i) => {
        const turn = turns.indexOf(p);
        expect(turn, `prompt of ${p} tokens`).toBeGreaterThanOrEqual(0);
        expect(cached[i]).toBe(want[turn]);
        seen[turn] = (seen[turn] as number) + 1;
      });
      expect(seen.every((n) => n > 5)).toBe(true);
    },
  );

  it(
    'the built-in comparison: prefix-aware routing beats least-work on hit rate over four prefill ' +
      'instances, and both beat no cache on TTFT',
    () => {
      const run = (n: string) =>
        runScenario(loadScenario(new URL(`../../scenarios/prefix-cache/mooncake-${n}.json`, import.meta.url).pathname));
      const none = run('no-cache');
      const lw = run('cache-least-work');
      const pa = run('cache-prefix-aware');
      expect(pa.scenario.instances.filter((i) => i.role === 'prefill').length).toBeGreaterThanOrEqual(4);
      expect(none.summary.prefix_cache_hit_rate).toBeNull();
      const hit = (r: typeof lw) => r.summary.prefix_cache_hit_rate as number;
      // 23.9% against 12.8% (seed 1; README): reuse needs the request where its prefix is.
      expect(hit(pa)).toBeGreaterThan(hit(lw) + 0.05);
      expect(hit(lw)).toBeGreaterThan(0.05);
      expect(pa.summary.ttft_p50_s as number).toBeLessThan(lw.summary.ttft_p50_s as number);
      expect(lw.summary.ttft_p50_s as number).toBeLessThan(none.summary.ttft_p50_s as number);
      // The CLI's run summary says it; a run without a cache prints no such line.
      const extra = { seed: 1, out: 'x', wall_s: 1, events: 1 };
      expect(formatSummary(pa.summary, extra)).toMatch(
        /\n {2}prefix {6}2\d\.\d% of prompt tokens cached, \d+ prompt tok\/s not computed/,
      );
      expect(formatSummary(none.summary, extra)).not.toMatch(/prefix/);
    },
  );

  it(
    'a host tier behind a small device cache: ' + 'hits the offline ideal again, each host block costing its PCIe load',
    () => {
      const gap_s = 200;
      const s = scenario(traceFile(lines, gap_s), { hardware: 'cs3', devices: 4 }, lines.length * gap_s);
      // 2 TB of host memory holds every block these 200 prompts have (~0.84 TB of 70B KV).
      const withHost = {
        ...s,
        scheduling: { ...s.scheduling, prefix_cache: { ...s.scheduling.prefix_cache!, host_gb: 2000 } },
      };
      const result = runScenario(withHost);
      const t = result.tables.requests;
      const got = rows(result);
      const host = column(t, 'cached_host_tokens');
      const ids = column(t, 'request_id');
      const d = s.instances[0]?.deployment as NonNullable<(typeof s.instances)[0]['deployment']>;
      const timer = batchTimer(d);
      // 2 × 80 layers × 8 KV heads × 128 × 2 bytes (bf16) = 327,680 bytes a token; 50 GB/s to each of 4 wafers.
      const bytesPerToken = 2 * 80 * 8 * 128 * 2;
      const loadSeconds = (blocks: number) => (blocks * B * bytesPerToken) / (50e9 * d.devices);
      const seen = new Set<number>();
      let fromHost = 0;
      lines.forEach((r, i) => {
        const row = got.get(i);
        if (r.input_length > 106_483) return expect(row?.status).toBe('rejected');
        const full = Math.floor(r.input_length / B);
        const want = skipped(
          leadingRun(r.hash_ids, full, (id) => seen.has(id)),
          r.input_length,
        );
        for (const id of r.hash_ids.slice(0, full)) seen.add(id);
        expect(row?.cached, `request ${i}`).toBe(want);
        const h = host[ids.indexOf(i)] as number;
        const suffix = r.input_length - want;
        const compute_s = timer.prefillSeconds(suffix, suffix * suffix, suffix * want, want);
        // (times are absolute, up to 40,000 s: their difference is exact to ~1e-11 s)
        expect(row?.prefill_s).toBeCloseTo(compute_s + loadSeconds(Math.ceil(h / B)), 9);
        if (h > 0) fromHost++;
        // A load the time check can see: ~0.84 ms a block here, against a 1e-9 s tolerance.
        if (h > 0) expect(loadSeconds(Math.ceil(h / B))).toBeGreaterThan(1e-4);
      });
      // Few of the first 200 prompts repeat (6% of tokens), 7 of them from host memory.
      expect(fromHost).toBeGreaterThan(3);
      // Without the host tier the same device cache finds less.
      const deviceOnly = runScenario(s).summary.prefix_cache_hit_rate as number;
      expect(result.summary.prefix_cache_hit_rate as number).toBeGreaterThan(deviceOnly);
    },
  );

  it('the report draws the hit rate per pool over time and tabulates it, for runs with a cache only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-prefix-report-'));
    const path = traceFile(lines.slice(0, 60), 7);
    const on = scenario(path, { hardware: 'trn2.48xlarge' }, 60 * 7);
    runScenarioToFolder({ ...on, name: 'with-cache' }, join(dir, 'with-cache'));
    const cacheless = { ...on, name: 'no-cache', scheduling: { ...on.scheduling, prefix_cache: undefined } };
    runScenarioToFolder(cacheless, join(dir, 'no-cache'));
    const both = buildReport(readResults(dir));
    expect(both.charts.map((c) => c.id)).toContain('prefix-hit-rate');
    expect(both.html).toContain('prefix cache hit</th>');
    const alone = mkdtempSync(join(tmpdir(), 'splitsim-prefix-report-'));
    runScenarioToFolder(cacheless, join(alone, 'no-cache'));
    const without = buildReport(readResults(alone));
    expect(without.charts.map((c) => c.id)).not.toContain('prefix-hit-rate');
    expect(without.html).not.toContain('prefix cache hit');
  });

  it('a datacenter store: another instance fetches what one computed, as a network flow, before its pass', () => {
    const L = 3 * B + 100;
    const ids = (last: number) => [900, 901, 902, last];
    const requests: Line[] = [ids(903), ids(904), ids(903), ids(905)].map((hash_ids) => ({
      input_length: L,
      output_length: 4,
      hash_ids,
    }));
    // Round-robin: requests 0 and 2 go to the first prefill instance, 1 and 3 to the second.
    const s = checkScenario(storeSplit('store', requests, 100));
    const result = runScenario(s);
    const got = rows(result);
    const store = column(result.tables.requests, 'cached_store_tokens');
    const byId = new Map(column(result.tables.requests, 'request_id').map((id, i) => [id, store[i] as number]));
    const timer = batchTimer(s.instances[0]?.deployment as never);
    const physics = (c: number) => timer.prefillSeconds(L - c, (L - c) * (L - c), (L - c) * c, c);
    // Request 1 on the second instance: its 3 blocks are only in the store (request 0
    // wrote them there), fetched over store (100 Gb/s = 12.5 GB/s, the bottleneck),
    // spine, downlink and NIC: 3 × 512 × 327,680 bytes ÷ 12.5e9 B/s + 4 hops × 10 µs.
    const fetch_s = (3 * 512 * 327_680) / 12.5e9 + 4 * 10e-6;
    expect(fetch_s).toBeCloseTo(0.0403053184, 12);
    expect([0, 1, 2, 3].map((i) => got.get(i)?.cached)).toEqual([0, 3 * B, 3 * B, 3 * B]);
    expect([0, 1, 2, 3].map((i) => byId.get(i))).toEqual([0, 3 * B, 0, 0]);
    expect(got.get(1)?.prefill_s).toBeCloseTo(fetch_s + physics(3 * B), 9);
    // Requests 2 and 3 find the blocks on their own instance's device (3's were fetched by 1).
    for (const i of [2, 3]) expect(got.get(i)?.prefill_s).toBeCloseTo(physics(3 * B), 9);
    const links = result.tables.links;
    const names = Array.from({ length: links.numRows }, (_, i) => String(links.getChild('link')?.get(i)));
    expect(names).toContain('store');
  });

  it(
    'a prefill instance that fails while a store fetch is in flight gives ' +
      'the prompt back (retried, then completed)',
    () => {
      const L = 3 * B + 100;
      const requests: Line[] = [903, 904].map((last) => ({
        input_length: L,
        output_length: 4,
        hash_ids: [900, 901, 902, last],
      }));
      // 1 Gb/s: request 1's 503 MB fetch takes ~4 s, and its instance fails 1 s into it.
      const file = storeSplit('store-fault', requests, 1);
      const names = checkScenario(file).instances.map((i) => i.name);
      const second = names[1] as string;
      const s = checkScenario({ ...file, faults: { instances: [{ instance: second, at_s: 11, repair_s: 100 }] } });
      const result = runScenario(s);
      expectRunConserved(result);
      const t = result.tables.requests;
      const id = column(t, 'request_id');
      const retries = column(t, 'retries');
      const at = (name: string) => column(t, name)[id.indexOf(1)] as number;
      expect(retries[id.indexOf(1)]).toBe(1);
      expect(String(t.getChild('status')?.get(id.indexOf(1)))).toBe('completed');
      // Retried on the first instance, whose device holds the blocks: no second fetch.
      expect(at('cached_store_tokens')).toBe(0);
      expect(at('cached_prompt_tokens')).toBe(3 * B);
    },
  );
});

/**
 * Two trn2 prefill instances and one decoder, KV over the network (10 µs per hop), a
 * round-robin prefill router and a 1,000 GB datacenter store at `store_gbps`, replaying
 * `requests` 10 s apart.
 */
function storeSplit(name: string, requests: Line[], store_gbps: number) {
  return {
    name,
    duration_s: 40,
    model: 'llama-3.1-70b',
    datacenter: {
      racks: [
        { name: 'p', nodes: [{ hardware: 'trn2.48xlarge', count: 2, role: 'prefill' }] },
        { name: 'd', nodes: [{ hardware: 'trn2.48xlarge', count: 1, role: 'decode' }] },
      ],
      network: { kv_transfer: 'network', latency_us: 10 },
    },
    workload: { arrivals: { process: 'trace', path: traceFile(requests, 10), format: 'mooncake-jsonl' } },
    scheduling: { router: 'round-robin', prefix_cache: { block_tokens: B, store_gb: 1000, store_gbps } },
  };
}
