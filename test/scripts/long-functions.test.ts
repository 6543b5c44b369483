import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFunctions, tokenize } from '../../scripts/function-scanner.js';
import { longFunctions } from '../../scripts/long-functions.js';

const fixture = readFileSync(new URL('../fixtures/long-functions/sample.ts.fixture', import.meta.url), 'utf8');

describe('the long-function scanner (scripts/long-functions.ts)', () => {
  it('finds every function of the fixture with its first and last line, whatever braces strings, templates, comments and regexes hold', () => {
    const found = findFunctions(fixture).map((f) => `${f.name}:${f.start}-${f.end}`);
    expect(found).toEqual([
      'declared:3-10',
      'constructor:13-17',
      'current:19-21',
      'typed:23-28',
      'arrow:31-41',
      'method:44-48',
      '<arrow>:45-47',
      '<function>:49-51',
      'factory:54-57',
    ]);
  });

  it('counts a function as its lines from header to closing brace, and reports those over the limit', () => {
    const text = [
      'function long() {',
      ...Array.from({ length: 59 }, (_, i) => `  const v${i} = ${i};`),
      '}',
      'function short() {',
      '}',
    ].join('\n');
    expect(findFunctions(text)).toEqual([
      { name: 'long', start: 1, end: 61, lines: 61 },
      { name: 'short', start: 62, end: 63, lines: 2 },
    ]);
  });

  it("lists the .ts files' functions over the limit, naming file and line", () => {
    const root = mkdtempSync(join(tmpdir(), 'long-functions-'));
    mkdirSync(join(root, 'src/deep'), { recursive: true });
    writeFileSync(join(root, 'src/deep/sample.ts'), fixture);
    writeFileSync(join(root, 'src/notes.md'), 'function notCode() {\n\n\n\n\n\n\n\n\n}\n');
    const long = longFunctions(root, 'src', 7).map((f) => `${f.file}:${f.start} ${f.name} ${f.lines}`);
    expect(long).toEqual(['src/deep/sample.ts:3 declared 8', 'src/deep/sample.ts:31 arrow 11']);
  });

  it('reads every .ts file of sim/, scripts/, test/ and bench/ with its brackets balanced (a misread string, template or regex would unbalance them)', () => {
    const root = new URL('../..', import.meta.url).pathname;
    const files = ['sim', 'scripts', 'test', 'bench'].flatMap((d) =>
      (readdirSync(join(root, d), { recursive: true }) as string[])
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(d, f)),
    );
    expect(files.length).toBeGreaterThan(100);
    const unbalanced = files.filter((f) => {
      const depth: Record<string, number> = { '(': 0, '[': 0, '{': 0 };
      const opener: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
      for (const t of tokenize(readFileSync(join(root, f), 'utf8'))) {
        if (t.kind !== 'p') continue;
        if (t.text in depth) depth[t.text]!++;
        else if (opener[t.text]) depth[opener[t.text]!]!--;
      }
      return Object.values(depth).some((v) => v !== 0);
    });
    expect(unbalanced).toEqual([]);
  });
});
