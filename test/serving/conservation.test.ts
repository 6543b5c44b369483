// The conservation helper: it holds on real runs and fails on each way a requests
// table could lose, duplicate or misfile a request.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Table, tableFromArrays } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, runScenario, runScenarioToFolder } from '../../sim/index.js';
import { expectConserved, expectRunConserved, workloadArrivals } from '../helpers/conservation.js';

const dir = mkdtempSync(join(tmpdir(), 'splitsim-conservation-'));

/**
 * Six trace rows: at 0, 0.5, 1, 1.5 and 2 s, and one at 10 s, past the 5 s duration
 * (`time_scale` 2 halves the times). The 40,000-token prompt is over max_prompt_tokens
 * (rejected at arrival); the 5,000-token output at 1 s cannot finish in a 0.5 s drain.
 */
function traced() {
  const path = join(dir, 'trace.csv');
  const rows = [
    ['18:00:00.0000000', 100, 10],
    ['18:00:01.0000000', 40_000, 10],
    ['18:00:02.0000000', 100, 5_000],
    ['18:00:03.0000000', 100, 1],
    ['18:00:04.0000000', 200, 20],
    ['18:00:20.0000000', 100, 10],
  ];
  writeFileSync(
    path,
    ['TIMESTAMP,ContextTokens,GeneratedTokens', ...rows.map(([t, p, o]) => `2023-11-16 ${t},${p},${o}`)].join('\n') +
      '\n',
  );
  return checkScenario(
    {
      name: 'conservation',
      duration_s: 5,
      drain_s: 0.5,
      model: 'llama-3.1-8b',
      datacenter: {
        racks: [{ name: 'r', nodes: [{ hardware: 'h100-sxm', count: 1, role: 'mixed' }] }],
        network: { kv_transfer: 'off' },
      },
      workload: { arrivals: { process: 'trace', path, format: 'azure-csv', time_scale: 2, max_prompt_tokens: 32_768 } },
    },
    join(dir, 'conservation.json'),
  );
}

describe('conservation helper', () => {
  let s: ReturnType<typeof traced>;
  let run: ReturnType<typeof runScenario>;
  beforeAll(() => {
    s = traced();
    run = runScenario(s);
  });

  it('counts a trace apart from the simulator: the rows inside the duration, time-scaled', () => {
    expect(workloadArrivals(s)).toEqual([0, 0.5, 1, 1.5, 2]);
  });

  it('I1 conservation: holds on a run with all three outcomes, in memory and as written to requests.arrow', () => {
    const status = run.tables.requests.getChild('status');
    const seen = new Set(Array.from({ length: run.tables.requests.numRows }, (_, i) => status?.get(i)));
    expect([...seen].sort()).toEqual(['completed', 'rejected', 'unfinished']);
    expectRunConserved(run);
    const folder = join(dir, 'out');
    const written = runScenarioToFolder(s, folder);
    expectConserved({ requests: join(folder, 'requests.arrow'), summary: written.summary }, workloadArrivals(s));
  });

  it('I1 conservation: holds on a synthetic workload, against the arrivals drawn apart from the run', () => {
    const poisson = checkScenario(
      {
        name: 'poisson',
        seed: 7,
        duration_s: 50,
        datacenter: {
          racks: [
            {
              name: 'r',
              nodes: [
                {
                  count: 2,
                  role: 'mixed',
                  service: {
                    prefill: { dist: 'exponential', mean_s: 0.1 },
                    decode: { dist: 'exponential', mean_s: 0.2 },
                  },
                },
              ],
            },
          ],
          network: { kv_transfer: 'off' },
        },
        workload: {
          arrivals: { process: 'poisson', rate_per_s: 4 },
          prompt_tokens: { dist: 'constant', value: 10 },
          output_tokens: { dist: 'constant', value: 2 },
        },
      },
      'poisson.json',
    );
    const r = runScenario(poisson, { seed: 11 });
    expectRunConserved(r);
    // The run's own seed, not the file's: the other seed's arrivals are another list.
    expect(workloadArrivals(poisson, 11)).not.toEqual(workloadArrivals(poisson, 7));
  });

  /** The run's requests table as plain columns, to be broken one way at a time. */
  const columns = () => {
    const t = run.tables.requests;
    const col = (name: string) => Array.from({ length: t.numRows }, (_, i) => t.getChild(name)?.get(i));
    return {
      request_id: col('request_id') as number[],
      status: col('status') as string[],
      reason: col('reason') as Array<string | null>,
      arrival_s: col('arrival_s') as number[],
    };
  };
  const table = (c: ReturnType<typeof columns>): Table =>
    tableFromArrays({
      request_id: Int32Array.from(c.request_id),
      status: c.status,
      reason: c.reason,
      arrival_s: Float64Array.from(c.arrival_s),
    });
  const check =
    (c: ReturnType<typeof columns>, summary = run.summary, expected: number | number[] = workloadArrivals(s)) =>
    () =>
      expectConserved({ requests: table(c), summary }, expected);

  it('accepts the untouched table rebuilt from plain columns', () => {
    expect(check(columns())).not.toThrow();
  });

  it.each<[string, (c: ReturnType<typeof columns>) => void]>([
    [
      'a row lost',
      (c) => {
        for (const k of Object.keys(c) as Array<keyof typeof c>) c[k].pop();
      },
    ],
    [
      'an id repeated in place of another',
      (c) => {
        c.request_id[0] = c.request_id[1] as number;
      },
    ],
    [
      'ids counted from 1',
      (c) => {
        c.request_id = c.request_id.map((id) => id + 1);
      },
    ],
    [
      'a status outside the three',
      (c) => {
        c.status[0] = 'lost';
      },
    ],
    [
      'a completed request with a reason',
      (c) => {
        const i = c.status.indexOf('completed');
        c.reason[i] = 'why';
      },
    ],
    [
      'a rejected request without one',
      (c) => {
        const i = c.status.indexOf('rejected');
        c.reason[i] = null;
      },
    ],
    [
      'a request filed under another arrival',
      (c) => {
        c.arrival_s[0] = (c.arrival_s[0] as number) + 0.25;
      },
    ],
  ])('fails on %s', (_name, breakIt) => {
    const c = columns();
    breakIt(c);
    expect(check(c)).toThrow();
  });

  it('fails when the arrivals generated are more than the rows, or the summary miscounts', () => {
    expect(check(columns(), run.summary, 6)).toThrow();
    expect(
      check(columns(), {
        ...run.summary,
        completed: run.summary.completed + 1,
        unfinished: run.summary.unfinished - 1,
      }),
    ).toThrow();
  });
});
