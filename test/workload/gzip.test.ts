// Gzip-compressed traces are read transparently and streamed; broken ones and huge
// fields end in a short input error naming the file. Big fixtures are made here, in a
// temporary folder, not committed.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../sim/cli/main.js';
import { checkScenario, InputError } from '../../sim/index.js';
import { QUOTE_MAX_CHARS } from '../../sim/workload/quote.js';
import { readLines, TraceError, traceArrivals, type TraceFormat } from '../../sim/workload/index.js';

const TRACES = join(import.meta.dirname, '../../traces');
const dir = mkdtempSync(join(tmpdir(), 'splitsim-gzip-'));

const arrivals = (path: string, format: TraceFormat) => [...traceArrivals({ path, format, time_scale: 1, start_s: 0 })];

describe('a .gz trace and its plain file', () => {
  it.each([
    ['AzureLLMInferenceTrace_code.csv', 'azure-csv', 8_819],
    ['AzureLLMInferenceTrace_conv.csv', 'azure-csv', 19_366],
    ['mooncake_synthetic_trace.jsonl', 'mooncake-jsonl', 3_993],
    ['mooncake_conversation_trace.jsonl', 'mooncake-jsonl', 12_031],
  ] as const)('%s: identical arrivals, lengths and prefix blocks, every row', (file, format, rows) => {
    const gz = join(TRACES, `${file}.gz`);
    const plain = join(dir, file);
    writeFileSync(plain, gunzipSync(readFileSync(gz)));
    const fromPlain = arrivals(plain, format);
    expect(fromPlain).toHaveLength(rows);
    expect(arrivals(gz, format)).toEqual(fromPlain);
  });

  it('gzip is recognised by its magic bytes, not its name; concatenated members are one stream', () => {
    const gz = join(TRACES, 'AzureLLMInferenceTrace_code.csv.gz');
    const renamed = join(dir, 'no-extension.csv');
    copyFileSync(gz, renamed);
    expect(arrivals(renamed, 'azure-csv')).toEqual(arrivals(gz, 'azure-csv'));

    // `cat a.gz b.gz` is a valid gzip file holding a's text then b's (RFC 1952 §2.2).
    const text = gunzipSync(readFileSync(gz));
    const cut = text.indexOf('\n', text.length >> 1) + 1;
    const twoMembers = join(dir, 'two-members.csv.gz');
    writeFileSync(twoMembers, Buffer.concat([gzipSync(text.subarray(0, cut)), gzipSync(text.subarray(cut))]));
    expect(arrivals(twoMembers, 'azure-csv')).toEqual(arrivals(gz, 'azure-csv'));
  });

  it('streams: a truncated 100,000-row file has delivered most of its lines when the truncation is found', () => {
    const rows = Array.from(
      { length: 100_000 },
      (_, i) => `2023-11-16 18:00:00.${String(i).padStart(7, '0')},${1 + (i % 977)},${1 + (i % 31)}`,
    );
    const gz = gzipSync(['TIMESTAMP,ContextTokens,GeneratedTokens', ...rows].join('\n'));
    const path = join(dir, 'cut.csv.gz');
    writeFileSync(path, gz.subarray(0, gz.length - 100));
    let seen = 0;
    expect(() => {
      for (const _ of readLines(path)) seen++;
    }).toThrow(/the gzip data ends early, after [\d,]+ bytes: the file is truncated \([\d,]+ lines read before it\)/);
    // A reader that decompressed the whole file first would have delivered none.
    expect(seen).toBeGreaterThan(90_000);
    expect(seen).toBeLessThan(100_001);
  });
});

/** A queueing-mode scenario replaying `path` (the datacenter does not matter here). */
function scenario(path: string, format: TraceFormat) {
  return {
    name: 'gz',
    duration_s: 100,
    datacenter: {
      racks: [
        {
          name: 'r',
          nodes: [
            {
              count: 2,
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
    workload: { arrivals: { process: 'trace', path, format } },
    scheduling: { router: 'pool-fcfs' },
    metrics: { window_s: 60 },
  };
}

function inputError(path: string, format: TraceFormat): string {
  try {
    checkScenario(scenario(path, format), join(dir, 'gz.json'));
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  return 'no error';
}

describe('broken gzip traces are input errors naming the file', () => {
  const gz = readFileSync(join(TRACES, 'mooncake_synthetic_trace.jsonl.gz'));
  const write = (name: string, bytes: Uint8Array) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const flipped = (at: number) => {
    const b = Buffer.from(gz);
    b[at] = b[at]! ^ 0xff;
    return b;
  };

  it.each([
    [
      'cut in the middle',
      () => write('half.jsonl.gz', gz.subarray(0, gz.length >> 1)),
      /half\.jsonl\.gz: the gzip data ends early, after [\d,]+ bytes: the file is truncated/,
    ],
    [
      'cut before its 8-byte trailer',
      () => write('no-trailer.jsonl.gz', gz.subarray(0, gz.length - 8)),
      /no-trailer\.jsonl\.gz: the gzip data ends early/,
    ],
    [
      'only the magic bytes',
      () => write('magic.jsonl.gz', gz.subarray(0, 2)),
      /magic\.jsonl\.gz: the gzip data ends early/,
    ],
    [
      'a wrong CRC-32',
      () => write('crc.jsonl.gz', flipped(gz.length - 6)),
      /crc\.jsonl\.gz: the gzip data is corrupt \(zlib: incorrect data check\)/,
    ],
    [
      'a wrong compression method',
      () => write('method.jsonl.gz', flipped(2)),
      /method\.jsonl\.gz: the gzip data is corrupt \(zlib: unknown compression method\)/,
    ],
    [
      'a damaged magic number',
      () => write('magic.csv.gz', flipped(0)),
      /magic\.csv\.gz: is named \.gz but is not gzip data \(it does not start with the bytes 1f 8b\)/,
    ],
    ['empty', () => write('empty.jsonl.gz', new Uint8Array(0)), /empty\.jsonl\.gz: is named \.gz but is not gzip data/],
    [
      'garbage after the data',
      () => write('tail.jsonl.gz', Buffer.concat([gz, Buffer.from('not gzip')])),
      /tail\.jsonl\.gz: the gzip data is corrupt/,
    ],
  ])('%s', (_label, make, message) => {
    expect(inputError(make(), 'mooncake-jsonl')).toMatch(message);
  });

  it('the trace’s problem is the only one reported when the scenario leaves duration_s to the trace', () => {
    const path = write('crc-only.jsonl.gz', flipped(gz.length - 6));
    const { duration_s: _, ...open } = scenario(path, 'mooncake-jsonl');
    let message = 'no error';
    try {
      checkScenario(open, join(dir, 'open.json'));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      message = err.message;
    }
    expect(message).toMatch(/crc-only\.jsonl\.gz: the gzip data is corrupt/);
    expect(message).not.toMatch(/duration_s/);
  });

  it('a damaged byte anywhere in the compressed data never gives different rows silently', () => {
    const truth = arrivals(join(TRACES, 'mooncake_synthetic_trace.jsonl.gz'), 'mooncake-jsonl');
    for (let at = 2; at < gz.length; at += 7919) {
      const path = write('damaged.jsonl.gz', flipped(at));
      let rows: ReturnType<typeof arrivals> | undefined;
      try {
        rows = arrivals(path, 'mooncake-jsonl');
      } catch (err) {
        expect(err, `byte ${at}`).toBeInstanceOf(TraceError);
      }
      if (rows) expect(rows, `byte ${at}`).toEqual(truth);
    }
  });
});

describe('a huge field is quoted cut short', () => {
  afterEach(() => vi.restoreAllMocks());

  /** `splitsim run` on a scenario replaying `trace`: exit status and everything on stderr. */
  async function run(trace: string, format: TraceFormat) {
    const file = join(mkdtempSync(join(tmpdir(), 'splitsim-field-')), 'huge-field.json');
    writeFileSync(file, JSON.stringify(scenario(trace, format)));
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const out = join(dir, 'out-never');
    const status = await main(['run', file, '--out', out, '--quiet']);
    return { status, stderr: errors.join('\n'), wrote: existsSync(out) };
  }
  const header = 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00.0000000,10,5\n';
  const MB10 = 10 * 1024 * 1024;

  it.each([
    [
      'a 10 MB TIMESTAMP (over the line limit)',
      'ts.csv',
      'azure-csv',
      () => `${header}${'2'.repeat(MB10)},10,5\n`,
      /ts\.csv: line 3: is longer than 1,048,576 characters, which no trace row is .*; it starts "2{60}"…/,
    ],
    [
      'a 10 MB row with no newline',
      'nonl.csv',
      'azure-csv',
      () => `${header}${'x'.repeat(MB10)}`,
      /nonl\.csv: line 3: is longer than 1,048,576 characters/,
    ],
    [
      'a 10 MB Mooncake input_length',
      'len.jsonl',
      'mooncake-jsonl',
      () => `{"timestamp": 0, "input_length": "${'7'.repeat(MB10)}", "output_length": 1}\n`,
      /len\.jsonl: line 1: is longer than/,
    ],
    [
      'a 500 KB TIMESTAMP (under the line limit)',
      'half.csv',
      'azure-csv',
      () => `${header}${'2'.repeat(500_000)},10,5\n`,
      /half\.csv: line 3: TIMESTAMP must look like 2023-11-16 18:17:03\.9799600, got "2{78}… \(500,002 characters\)/,
    ],
    [
      'a 500 KB Mooncake timestamp',
      'stamp.jsonl',
      'mooncake-jsonl',
      () => `{"timestamp": "${'1'.repeat(500_000)}", "input_length": 5, "output_length": 1}\n`,
      /stamp\.jsonl: line 1: timestamp must be a non-negative number of ms, got "1{78}… \(500,002 characters\)/,
    ],
  ] as const)(
    '%s: exit 2, the file and line named, a message of a few hundred characters',
    async (_label, name, format, text, message) => {
      const path = join(dir, name);
      writeFileSync(path, text());
      const r = await run(path, format);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.length).toBeLessThan(600);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.wrote).toBe(false);
      // The quotation itself: at most QUOTE_MAX_CHARS characters up to its ellipsis.
      const quoted = /(".*?…)/.exec(r.stderr)?.[1] ?? '';
      expect(quoted.length).toBeLessThanOrEqual(QUOTE_MAX_CHARS);
    },
  );
});
