// Trace replay on the real traces shipped in traces/ (gzip-compressed, read as they are).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkScenario, InputError, runScenario } from '../../sim/index.js';
import { readLines } from '../../sim/workload/index.js';
import { column } from '../helpers/queueing.js';

const TRACES = join(import.meta.dirname, '../../traces');

/** The file's rows, read independently of splitsim's readers (node:zlib, whole file):
 * [offset s, prompt, output]. */
function expected(file: string): Array<[number, number, number]> {
  const text = gunzipSync(readFileSync(join(TRACES, file))).toString('utf8');
  if (file.endsWith('.csv.gz')) {
    const rows = text
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() !== '');
    const ticks = (ts: string) => {
      // Exact: whole seconds via Date.UTC, the 7-digit fraction as an integer.
      const [date, time] = ts.split(' ') as [string, string];
      const [hms, frac = '0'] = time.split('.') as [string, string?];
      const whole = Date.parse(`${date}T${hms}Z`) / 1000;
      return [whole, Number(frac.padEnd(7, '0'))] as const;
    };
    const [w0, f0] = ticks(rows[0]!.split(',')[0]!);
    return rows.map((l) => {
      const [ts, p, o] = l.split(',') as [string, string, string];
      const [w, f] = ticks(ts);
      return [w - w0 + (f - f0) / 1e7, Number(p), Number(o)];
    });
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const o = JSON.parse(l) as { timestamp: number; input_length: number; output_length: number };
      return [o.timestamp / 1000, o.input_length, o.output_length];
    });
}

/** Replay a trace on a fast queueing-mode datacenter (what is measured is the workload). */
function replay(path: string, format: string, extra: Record<string, unknown> = {}, duration_s?: number) {
  return checkScenario(
    {
      name: 'replay',
      ...(duration_s ? { duration_s } : {}),
      datacenter: {
        racks: [
          {
            name: 'r',
            nodes: [
              {
                count: 64,
                role: 'mixed',
                service: {
                  prefill: { dist: 'deterministic', value_s: 1e-3 },
                  decode: { dist: 'deterministic', value_s: 1e-3 },
                },
              },
            ],
          },
        ],
        network: { kv_transfer: 'off' },
      },
      workload: { arrivals: { process: 'trace', path, format, ...extra } },
      scheduling: { router: 'pool-fcfs' },
      metrics: { window_s: 60 },
    },
    join(TRACES, 'replay.json'),
  );
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe.each([
  ['AzureLLMInferenceTrace_conv.csv.gz', 'azure-csv', 19_366],
  ['AzureLLMInferenceTrace_code.csv.gz', 'azure-csv', 8_819],
  ['mooncake_conversation_trace.jsonl.gz', 'mooncake-jsonl', 12_031],
  ['mooncake_synthetic_trace.jsonl.gz', 'mooncake-jsonl', 3_993],
])('%s', (file, format, rows) => {
  let truth: ReturnType<typeof expected>;
  let req: ReturnType<typeof runScenario>['tables']['requests'];
  let arrival: number[];
  beforeAll(() => {
    truth = expected(file);
    req = runScenario(replay(file, format)).tables.requests;
    arrival = column(req, 'arrival_s').sort((a, b) => a - b);
  });

  it('replays every row: the file’s row count, mean prompt and output tokens exactly', () => {
    expect(truth).toHaveLength(rows);
    expect(req.numRows).toBe(rows);
    expect(mean(column(req, 'prompt_tokens'))).toBe(mean(truth.map((t) => t[1])));
    expect(mean(column(req, 'output_tokens'))).toBe(mean(truth.map((t) => t[2])));
  });

  it('keeps the file’s arrival times (first at t = 0) and so its mean rate', () => {
    expect(arrival[0]).toBe(0);
    truth.forEach((t, i) => expect(Math.abs((arrival[i] as number) - t[0])).toBeLessThan(1e-6));
    const span = truth[truth.length - 1]![0];
    expect((req.numRows - 1) / (arrival[arrival.length - 1] as number)).toBeCloseTo((rows - 1) / span, 9);
  });

  it('time_scale: 2 halves the span', () => {
    const fast = runScenario(replay(file, format, { time_scale: 2 })).tables.requests;
    const last = Math.max(...column(fast, 'arrival_s'));
    expect(last).toBeCloseTo(arrival[arrival.length - 1]! / 2, 9);
    expect(fast.numRows).toBe(rows);
  });
});

describe('trace options', () => {
  it('a window [start_s, start_s + duration_s) replays only its rows, shifted to t = 0', () => {
    const truth = expected('AzureLLMInferenceTrace_conv.csv.gz');
    const inside = truth.filter((t) => t[0] >= 600 && t[0] < 1200);
    const r = runScenario(replay('AzureLLMInferenceTrace_conv.csv.gz', 'azure-csv', { start_s: 600, duration_s: 600 }))
      .tables.requests;
    expect(r.numRows).toBe(inside.length);
    expect(Math.min(...column(r, 'arrival_s'))).toBeCloseTo(inside[0]![0] - 600, 6);
  });

  it('max_prompt_tokens rejects longer prompts, with a reason, and loses none', () => {
    const r = runScenario(replay('mooncake_synthetic_trace.jsonl.gz', 'mooncake-jsonl', { max_prompt_tokens: 32_768 }));
    const t = r.tables.requests;
    const over = column(t, 'prompt_tokens').filter((p) => p > 32_768).length;
    expect(over).toBeGreaterThan(0);
    expect(r.summary.rejected).toBe(over);
    expect(t.numRows).toBe(3_993);
    const reasons = new Set(Array.from({ length: t.numRows }, (_, i) => t.getChild('reason')?.get(i)).filter(Boolean));
    expect([...reasons].every((x) => /exceeds max_prompt_tokens \(32768\)/.test(String(x)))).toBe(true);
  });

  it('defaults duration_s to the last arrival + 1 s, and honours a shorter one', () => {
    const s = replay('mooncake_synthetic_trace.jsonl.gz', 'mooncake-jsonl');
    expect(s.duration_s).toBeCloseTo(1022.025 + 1, 9);
    const short = runScenario(replay('mooncake_synthetic_trace.jsonl.gz', 'mooncake-jsonl', {}, 100)).tables.requests;
    expect(Math.max(...column(short, 'arrival_s'))).toBeLessThan(100);
  });
});

describe('bad traces are input errors naming the file and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-trace-'));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const problem = (path: string, format: string) => {
    try {
      replay(path, format, {}, 100);
    } catch (err) {
      if (err instanceof InputError) return err.message;
      throw err;
    }
    return 'no error';
  };

  it.each([
    ['missing file', () => join(dir, 'nope.csv'), 'azure-csv', /workload\.arrivals\.path: no such file: .*nope\.csv/],
    [
      'malformed row',
      () =>
        write(
          'bad.csv',
          'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,10,5\n2023-11-16 18:15:47.1,ten,5',
        ),
      'azure-csv',
      /bad\.csv: line 3: ContextTokens must be an integer ≥ 1, got "ten"/,
    ],
    [
      'out of order',
      () =>
        write(
          'order.csv',
          'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:47.00,10,5\n2023-11-16 18:15:46.00,10,5\n',
        ),
      'azure-csv',
      /line 3: timestamp is earlier than line 2's/,
    ],
    ['wrong header', () => write('hdr.csv', 'time,in,out\n'), 'azure-csv', /line 1: expected the header/],
    [
      'garbage JSONL',
      () => write('bad.jsonl', '{"timestamp": 0, "input_length": 5, "output_length": 1}\n{not json\n'),
      'mooncake-jsonl',
      /bad\.jsonl: line 2: not a JSON object/,
    ],
    [
      'truncated JSONL',
      () =>
        write('trunc.jsonl', '{"timestamp": 0, "input_length": 5, "output_length": 1}\n{"timestamp": 10, "input_le'),
      'mooncake-jsonl',
      /line 2: not a JSON object/,
    ],
    [
      'empty window',
      () => write('empty.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n'),
      'azure-csv',
      /holds no rows/,
    ],
  ])('%s', (_label, make, format, message) => {
    expect(problem(make(), format)).toMatch(message);
  });
});

describe('the streaming line reader', () => {
  it('gives the same lines whatever the chunk size: no trailing newline, CRLF, UTF-8 split across chunks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'splitsim-lines-'));
    const path = join(dir, 'x.txt');
    writeFileSync(path, 'a,b\r\nπ≈3.14159\n\nlast without newline é');
    const whole = [...readLines(path)];
    expect(whole.map((l) => l[1])).toEqual(['a,b', 'π≈3.14159', '', 'last without newline é']);
    for (const chunk of [1, 2, 3, 5, 7]) expect([...readLines(path, chunk)]).toEqual(whole);
  });
});
