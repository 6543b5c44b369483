import { describe, expect, it } from 'vitest';
import { lineColumn, locateJsonError } from '../../sim/scenario/json-locate.js';
import { baseScenario } from '../helpers/base-scenario.js';

describe('locateJsonError', () => {
  const valid = JSON.stringify(baseScenario(), null, 2);

  it('finds no error in valid JSON', () => {
    expect(locateJsonError(valid)).toBe(-1);
    expect(locateJsonError('[1, -2.5e3, "a\\u00e9", true, false, null, {}]')).toBe(-1);
  });

  it('agrees with JSON.parse on every one-character deletion of a real scenario', () => {
    // JSON.parse is the judge of validity; the locator must say "invalid" exactly when
    // it does, and point inside the text.
    for (let cut = 0; cut < valid.length; cut += 7) {
      const text = valid.slice(0, cut) + valid.slice(cut + 1);
      let ok = true;
      try {
        JSON.parse(text);
      } catch {
        ok = false;
      }
      const at = locateJsonError(text);
      expect(at === -1, `cut ${cut}`).toBe(ok);
      expect(at).toBeLessThanOrEqual(text.length);
    }
  });

  it('points at the offending character', () => {
    const text = '{\n  "a": 1,\n  oops\n}';
    expect(lineColumn(text, locateJsonError(text))).toEqual({ line: 3, column: 3 });
  });
});
