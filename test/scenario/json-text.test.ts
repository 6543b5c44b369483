// JSON as people write it: a byte-order mark, a key typed twice, an invisible character.
import { describe, expect, it } from 'vitest';
import { InputError, parseScenario } from '../../sim/index.js';
import { duplicateKeys, lineColumn, locateJsonError } from '../../sim/scenario/json-locate.js';
import { parseJsonText } from '../../sim/scenario/json-text.js';
import { baseScenario } from '../helpers/base-scenario.js';

function messages(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

const text = JSON.stringify(baseScenario(), null, 2);

describe('JSON text', () => {
  it('accepts a UTF-8 byte-order mark, as Windows editors write it', () => {
    const s = parseScenario(`\uFEFF${text}`, 'bom.json');
    expect(s.name).toBe('base');
    expect(s.instances).toHaveLength(7);
  });

  it('names a UTF-16 file instead of showing its bytes', () => {
    const utf16 = Buffer.from(`\uFEFF${text}`, 'utf16le').toString('utf8');
    expect(messages(() => parseScenario(utf16, 'f.json'))).toEqual([
      ': is not UTF-8 (it looks like UTF-16): save it as UTF-8',
    ]);
  });

  it('refuses a duplicated key, naming its path and both lines', () => {
    // The duplicated duration_s that once turned a 30 s run into 3,000,000 s.
    const dup = text.replace('"duration_s": 200,', '"duration_s": 30,\n  "duration_s": 3000000,');
    const found = messages(() => parseScenario(dup, 'f.json'));
    const line = (needle: string) => dup.slice(0, dup.indexOf(needle)).split('\n').length;
    expect(found).toEqual([
      `duration_s: given twice in one object (lines ${line('"duration_s": 30,')} and ${line('"duration_s": 3000000')}); JSON keeps only the last, so remove one`,
    ]);
  });

  it('finds duplicates at any depth and inside arrays, and only within one object', () => {
    const json = '{"a": {"b": 1, "c": [{"x": 1}, {"x": 2, "y": 1, "x": 3}]}, "b": 2, "a": 0}';
    expect(duplicateKeys(json).map((d) => [d.path, json.slice(d.first, d.first + 3), d.again])).toEqual([
      ['a.c[1].x', '"x"', json.indexOf('"x": 3')],
      ['a', '"a"', json.lastIndexOf('"a"')],
    ]);
    // Keys compare by their decoded value: "\u0061" is "a".
    expect(duplicateKeys('{"a": 1, "\\u0061": 2}').map((d) => d.path)).toEqual(['a']);
    expect(duplicateKeys(text)).toEqual([]);
  });

  it('shows an invisible character by its code point', () => {
    const nbsp = text.replace('"seed": 1,', '"seed":\u00a01,');
    const [found] = messages(() => parseScenario(nbsp, 'f.json'));
    expect(found).toMatch(
      /^: not valid JSON: line \d+, column \d+: unexpected character U\+00A0 \(a no-break space\)$/,
    );
    expect(messages(() => parseJsonText('{"a": 1,}', 'f.json'))).toEqual([
      ': not valid JSON: line 1, column 9: unexpected "}"',
    ]);
  });

  it('judges deeply nested input without overflowing the stack', () => {
    const deep = '['.repeat(50_000);
    expect(locateJsonError(deep)).toBe(deep.length);
    const closed = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    expect(locateJsonError(closed)).toBe(-1);
    expect(lineColumn('a\nbc', 3)).toEqual({ line: 2, column: 2 });
  });
});
