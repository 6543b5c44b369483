// Hand-offs that become ready at the same instant share the decoder's link, whatever
// routes them: no router may hold one back while another crosses.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { checkScenario, runScenario } from '../../sim/index.js';
import { ROUTERS } from '../../sim/scenario/index.js';
import { column } from '../helpers/queueing.js';

// KV bytes per token of Llama 3.1 70B in bf16, from its published architecture
// (meta-llama/Llama-3.1-70B config.json: 80 layers, 8 KV heads, head_dim 128):
// K and V × layers × KV heads × head_dim × 2 bytes. Not read from the simulator.
const KV_BYTES_PER_TOKEN = 2 * 80 * 8 * 128 * 2;
const PROMPT_TOKENS = 8192;
/** The decode rack's downlink: far thinner than every other link on the path (NICs of
 * 3,200 and 4,800 Gb/s, a 3,200 Gb/s prefill uplink, a 25,600 Gb/s spine). */
const BOTTLENECK_GBPS = 100;
const HOP_LATENCY_US = 10;
/** NIC → uplink → spine → downlink → NIC (docs/physics.md). */
const HOPS = 5;

/** A lone transfer's time at the bottleneck, and k equal flows sharing it max-min fairly. */
function expectedTransfer_s(flows: number): number {
  const bytes = KV_BYTES_PER_TOKEN * PROMPT_TOKENS;
  return (flows * bytes) / ((BOTTLENECK_GBPS * 1e9) / 8) + HOPS * HOP_LATENCY_US * 1e-6;
}

/** An Azure-format trace: rows of [seconds after 18:00:00, prompt tokens, output tokens]. */
function trace(rows: Array<[number, number, number]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-handoff-'));
  const path = join(dir, 'trace.csv');
  const stamp = (t: number) => `2023-11-16 18:00:${t.toFixed(7).padStart(10, '0')}`;
  writeFileSync(
    path,
    ['TIMESTAMP,ContextTokens,GeneratedTokens', ...rows.map(([t, p, o]) => `${stamp(t)},${p},${o}`)].join('\n') + '\n',
  );
  return path;
}

/** Two trn2.48xlarge prefill instances and one CS-3 decode instance behind a thin downlink. */
function pair(decodeRouter: string, requests: number): Table {
  const path = trace(Array.from({ length: requests }, () => [0, PROMPT_TOKENS, 10] as [number, number, number]));
  const s = checkScenario(
    {
      name: 'simultaneous-handoff',
      seed: 3,
      duration_s: 1,
      drain_s: 60,
      model: 'llama-3.1-70b',
      datacenter: {
        racks: [
          { name: 'pre', uplink_gbps: 3200, nodes: [{ hardware: 'trn2.48xlarge', count: 2, role: 'prefill' }] },
          {
            name: 'dec',
            uplink_gbps: BOTTLENECK_GBPS,
            nodes: [{ hardware: 'cs3', devices: 4, count: 1, role: 'decode' }],
          },
        ],
        network: { kv_transfer: 'network', spine_gbps: 25_600, latency_us: HOP_LATENCY_US },
      },
      workload: { arrivals: { process: 'trace', path, format: 'azure-csv' } },
      // Prefill spreads the two prompts over the two instances (least work); the router
      // under test chooses the decoder.
      scheduling: { router: 'least-work', decode_router: decodeRouter },
    },
    join(tmpdir(), 'simultaneous-handoff.json'),
  );
  return runScenario(s).tables.requests;
}

describe('two prompts finishing together hand off together', () => {
  it('a lone hand-off takes bytes ÷ bottleneck bandwidth + 5 hops of latency', () => {
    const r = pair('pool-fcfs', 1);
    expect(column(r, 'transfer_queue_s')).toEqual([0]);
    expect(column(r, 'transfer_s')[0]).toBeCloseTo(expectedTransfer_s(1), 9);
  });

  // Every router the scenario format accepts, so a new one is covered without an edit.
  it.each([...ROUTERS])('under %s, both cross the link at once at half its rate each', (router) => {
    const r = pair(router, 2);
    expect(r.numRows).toBe(2);
    // The premise: two prefill instances emit both first tokens at the same instant.
    const prefillNodes = new Set([0, 1].map((i) => r.getChild('prefill_node')?.get(i)));
    expect(prefillNodes.size).toBe(2);
    const ready = column(r, 'first_token_s');
    expect(ready[0]).toBe(ready[1]);
    // Neither waits for the other: both transfers start when the prompts are done …
    expect(column(r, 'transfer_queue_s')).toEqual([0, 0]);
    // … and each gets half of the bottleneck throughout, so takes twice a lone one's bytes time.
    for (const t of column(r, 'transfer_s')) expect(t).toBeCloseTo(expectedTransfer_s(2), 9);
    for (let i = 0; i < 2; i++) expect(r.getChild('status')?.get(i)).toBe('completed');
  });
});

/** Prefill takes 1 s for any prompt (a service time), so a hand-off happens at arrival + 1 s;
 * decode runs on CS-3 × 4 instances of 106,483 KV tokens each (`splitsim catalog`). */
function fcfsDecode(rows: Array<[number, number, number]>, racks: object[]): Table {
  const s = checkScenario(
    {
      name: 'fcfs-ready',
      seed: 1,
      duration_s: 1,
      drain_s: 600,
      model: 'llama-3.1-70b',
      datacenter: {
        racks: [
          {
            name: 'pre',
            nodes: [
              { count: rows.length, role: 'prefill', service: { prefill: { dist: 'deterministic', value_s: 1 } } },
            ],
          },
          ...racks,
        ],
        network: { kv_transfer: 'network', latency_us: HOP_LATENCY_US },
      },
      workload: { arrivals: { process: 'trace', path: trace(rows), format: 'azure-csv' } },
      scheduling: { router: 'least-work', decode_router: 'pool-fcfs' },
    },
    join(tmpdir(), 'fcfs-ready.json'),
  );
  return runScenario(s).tables.requests;
}

/** Per-request values in request-id (trace) order; rows are written as requests end. */
function byId(r: Table) {
  const ids = column(r, 'request_id');
  const row = (id: number) => ids.indexOf(id);
  return {
    node: (id: number) => r.getChild('decode_node')?.get(row(id)) as string,
    of: (name: string) => ids.map((_, id) => column(r, name)[row(id)] as number),
  };
}

describe('pool-fcfs: ready decoders are those with no step running, transfers in flight or not', () => {
  it('a ready decoder without room for the head does not hold it back: the next with room takes it', () => {
    // A 60,000-token prompt goes to dec-0 at 1.0 s, a 5,000-token one to dec-1 at 1.1 s;
    // at 1.15 s a second 60,000-token prompt does not fit beside the first on dec-0
    // (120,000 > 106,483) but fits on dec-1 (65,000), whose transfer is still in flight.
    const r = fcfsDecode(
      [
        [0, 60_000, 10],
        [0.1, 5_000, 10],
        [0.15, 60_000, 10],
      ],
      [
        {
          name: 'dec',
          uplink_gbps: BOTTLENECK_GBPS,
          nodes: [{ hardware: 'cs3', devices: 4, count: 2, role: 'decode' }],
        },
      ],
    );
    const { node, of } = byId(r);
    expect(of('first_token_s').map((t) => Number(t.toFixed(9)))).toEqual([1, 1.1, 1.15]);
    expect(of('transfer_queue_s')).toEqual([0, 0, 0]);
    expect(node(0)).not.toBe(node(1));
    expect(node(2)).toBe(node(1));
    // Both earlier transfers were still in flight when the third began (the second is
    // 1.6 GB at ≤ 100 Gb/s: ≥ 0.13 s), so each decoder was busy only with a transfer.
    const transfer = of('transfer_s');
    expect(transfer[0]).toBeGreaterThan(0.15);
    expect(transfer[1]).toBeGreaterThan(0.05);
  });

  it('when a busy decoder takes the head, the next request goes at once to a ready one with room', () => {
    // wide-0 decodes #0 (60,000 tokens, 2,000 out) and #2 (30,000, long); thin-0's only
    // work is #1's 60,000-token transfer over a 10 Gb/s uplink (~16 s). #3 (50,000) and
    // #4 (30,000) queue: neither decoder has room for #3. When #0 ends, wide-0 takes #3 and
    // has no room for #4 (30,000 + 50,000 + 30,000 > 106,483); thin-0 has (90,000).
    const r = fcfsDecode(
      [
        [0, 60_000, 2_000],
        [0.001, 60_000, 10],
        [0.002, 30_000, 5_000],
        [0.2, 50_000, 10],
        [0.21, 30_000, 10],
      ],
      [
        { name: 'wide', uplink_gbps: 3200, nodes: [{ hardware: 'cs3', devices: 4, count: 1, role: 'decode' }] },
        { name: 'thin', uplink_gbps: 10, nodes: [{ hardware: 'cs3', devices: 4, count: 1, role: 'decode' }] },
      ],
    );
    const { node, of } = byId(r);
    expect([0, 1, 2, 3, 4].map(node)).toEqual([
      'wide-0/decode-0',
      'thin-0/decode-0',
      'wide-0/decode-0',
      'wide-0/decode-0',
      'thin-0/decode-0',
    ]);
    const ready = of('first_token_s');
    const queued = of('transfer_queue_s');
    const start = ready.map((t, i) => t + (queued[i] as number));
    // #3 waited for #0 to end; #4 started at that same instant, not after another step.
    expect(queued[3]).toBeGreaterThan(0.5);
    expect(start[3]).toBeCloseTo(of('completion_s')[0] as number, 12);
    expect(start[4]).toBeCloseTo(start[3] as number, 12);
    // thin-0 was still receiving #1 then.
    expect((start[1] as number) + (of('transfer_s')[1] as number)).toBeGreaterThan(start[4] as number);
  });
});
