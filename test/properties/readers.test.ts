// Property tests of the input readers: garbage never escapes as anything but an input error.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateJsonError } from '../../sim/scenario/json-locate.js';
import { parseAzureRow, parseMooncakeRow, TraceError } from '../../sim/workload/index.js';

describe('trace row parsers', () => {
  it.each([
    ['azure-csv', parseAzureRow],
    ['mooncake-jsonl', parseMooncakeRow],
  ] as const)('%s: any line gives a row, nothing, or a TraceError naming the line', (_format, parse) => {
    const line = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.tuple(fc.string(), fc.integer(), fc.integer()).map(([a, b, c]) => `${a},${b},${c}`),
      fc.record({ timestamp: fc.anything(), input_length: fc.anything(), output_length: fc.anything() }).map((o) => JSON.stringify(o) ?? ''),
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
        }
      }),
      { numRuns: 1000, seed: 5 },
    );
  });
});

describe('the JSON error locator', () => {
  it('says "valid" exactly when JSON.parse accepts the text, and points inside it', () => {
    const text = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      // A valid document with one character dropped or changed.
      fc.tuple(fc.jsonValue().map((v) => JSON.stringify(v, null, 1)), fc.nat(), fc.string({ minLength: 1, maxLength: 1 })).map(([s, i, c]) => {
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
