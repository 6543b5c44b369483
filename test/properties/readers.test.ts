// Property tests of the input readers: garbage never escapes as anything but an input error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateJsonError } from '../../sim/scenario/json-locate.js';
import { parseAzureRow, parseMooncakeRow, readLines, TraceError } from '../../sim/workload/index.js';
import { QUOTE_MAX_CHARS } from '../../sim/workload/quote.js';

describe('trace row parsers', () => {
  it.each([
    ['azure-csv', parseAzureRow],
    ['mooncake-jsonl', parseMooncakeRow],
  ] as const)('%s: any line gives a row, nothing, or a TraceError naming the line', (_format, parse) => {
    const line = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.tuple(fc.string(), fc.integer(), fc.integer()).map(([a, b, c]) => `${a},${b},${c}`),
      fc
        .record({ timestamp: fc.anything(), input_length: fc.anything(), output_length: fc.anything() })
        .map((o) => JSON.stringify(o) ?? ''),
    );
    fc.assert(
      fc.property(line, fc.integer({ min: 2, max: 10_000 }), (text, lineNo) => {
        try {
          const row = parse(text, lineNo);
          if (row) {
            expect(Number.isInteger(row.promptTokens) && row.promptTokens >= 1).toBe(true);
            expect(Number.isInteger(row.outputTokens) && row.outputTokens >= 1).toBe(true);
            expect(Number.isFinite(row.seconds) && Number.isFinite(row.ticks)).toBe(true);
          }
        } catch (err) {
          if (!(err instanceof TraceError)) throw err;
          expect(err.message).toMatch(new RegExp(`^line ${lineNo}: `));
          // A quoted value never runs past QUOTE_MAX_CHARS: the rest of the message is short.
          expect(err.message.length).toBeLessThan(QUOTE_MAX_CHARS + 120);
        }
      }),
      { numRuns: 1000, seed: 5 },
    );
  });
});

describe('the line reader on gzip files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'splitsim-gz-prop-'));
  const text = fc
    .array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('\n', '\r\n', ',')), { maxLength: 60 })
    .map((parts) => parts.join(''));
  const lines = (path: string, chunk: number) => [...readLines(path, chunk)];

  it('gives the plain file’s lines for any text and chunk size; a damaged copy gives the same lines or a TraceError', () => {
    let n = 0;
    fc.assert(
      fc.property(
        text,
        fc.integer({ min: 1, max: 64 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (t, chunk, at, mask) => {
          const plain = join(dir, `p${n}.txt`);
          const gz = join(dir, `p${n++}.txt.gz`);
          writeFileSync(plain, t);
          const zipped = gzipSync(t);
          writeFileSync(gz, zipped);
          const truth = lines(plain, 64);
          expect(lines(gz, chunk)).toEqual(truth);

          const damaged = Buffer.from(zipped);
          // Past the magic bytes: a file without them is read as text (tested elsewhere).
          const k = 2 + (at % (damaged.length - 2));
          damaged[k] = damaged[k]! ^ mask;
          writeFileSync(gz, damaged);
          try {
            // Header bytes outside the CRC (MTIME, XFL, OS) may change without harm.
            expect(lines(gz, chunk)).toEqual(truth);
          } catch (err) {
            if (!(err instanceof TraceError)) throw err;
          }
          writeFileSync(gz, zipped.subarray(0, at % zipped.length));
          expect(() => lines(gz, chunk)).toThrow(TraceError);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});

describe('the JSON error locator', () => {
  it('says "valid" exactly when JSON.parse accepts the text, and points inside it', () => {
    const text = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      // A valid document with one character dropped or changed.
      fc
        .tuple(
          fc.jsonValue().map((v) => JSON.stringify(v, null, 1)),
          fc.nat(),
          fc.string({ minLength: 1, maxLength: 1 }),
        )
        .map(([s, i, c]) => {
          const k = s.length === 0 ? 0 : i % s.length;
          return s.slice(0, k) + c + s.slice(k + 1);
        }),
    );
    fc.assert(
      fc.property(text, (t) => {
        let valid = true;
        try {
          JSON.parse(t);
        } catch {
          valid = false;
        }
        const at = locateJsonError(t);
        expect(at === -1).toBe(valid);
        expect(at).toBeLessThanOrEqual(t.length);
      }),
      { numRuns: 2000, seed: 6 },
    );
  });
});
