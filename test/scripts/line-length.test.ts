import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIMIT_CHARS, lineFits, longLines, longSourceLines } from '../../scripts/line-length.js';

const fixture = readFileSync(new URL('../fixtures/line-length/sample.ts.fixture', import.meta.url), 'utf8');

describe('the line-length check (scripts/line-length.ts)', () => {
  it('flags the fixture lines over 120 characters: plain, in a template, and prose past a URL', () => {
    // Line 2 is 120 characters, 3 is 121; 4 crosses the limit inside its URL; 5 has prose
    // after its URL past the limit; 6 is 120 code points of "×" (240 bytes); 8 is 121
    // characters inside a template literal; 10 is 19 characters and 110 trailing spaces.
    expect(LIMIT_CHARS).toBe(120);
    expect(longLines(fixture)).toEqual([
      { line: 3, chars: 121 },
      { line: 5, chars: 162 },
      { line: 8, chars: 121 },
    ]);
  });

  it('allows a line over the limit only when every character past it belongs to a URL', () => {
    expect(lineFits('x'.repeat(10), 10)).toBe(true);
    expect(lineFits('x'.repeat(11), 10)).toBe(false);
    expect(lineFits('// see https://a.b/cdefgh', 10)).toBe(true);
    expect(lineFits('// see https://a.b/c and more', 10)).toBe(false);
    expect(lineFits('// long prose https://a.b', 10)).toBe(false);
  });

  it('lists file:line under sim/, test/, bench/, scripts/, bin/ and the top level, test/fixtures left out', () => {
    const root = mkdtempSync(join(tmpdir(), 'line-length-'));
    const long = `const s = '${'z'.repeat(130)}';\n`;
    for (const dir of ['sim/deep', 'test/fixtures', 'bench', 'bin', 'docs'])
      mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'sim/deep/a.ts'), `const ok = 1;\n${long}`);
    writeFileSync(join(root, 'bin/cli.js'), long);
    writeFileSync(join(root, 'top.ts'), long);
    writeFileSync(join(root, 'bench/notes.md'), long);
    writeFileSync(join(root, 'test/fixtures/input.ts'), long);
    writeFileSync(join(root, 'docs/page.ts'), long);
    expect(longSourceLines(root).map((l) => `${l.file}:${l.line}`)).toEqual([
      'bin/cli.js:1',
      'sim/deep/a.ts:2',
      'top.ts:1',
    ]);
  });
});
