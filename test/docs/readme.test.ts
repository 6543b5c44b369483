// The README's examples are the files they claim to be: the scenario it shows is the
// built-in one, byte for byte after parsing, so a change to either shows here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The fenced blocks of a language under a heading, in order. */
function blocksUnder(heading: string, lang: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] as string);
}

describe('README', () => {
  it('"One scenario" shows scenarios/aws-split-llama70b.json as it is', () => {
    const [shown] = blocksUnder('One scenario', 'json');
    const file = readFileSync(join(root, 'scenarios/aws-split-llama70b.json'), 'utf8');
    expect(JSON.parse(shown as string)).toEqual(JSON.parse(file));
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\(((?:docs|scenarios|traces|deploy)\/[^)#\s]+)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect(() => readFileSync(join(root, link)), link).not.toThrow();
  });

  it('names no issue numbers and no folder outside the repository', () => {
    expect(readme).not.toMatch(/\bissue \d+/i);
    expect(readme).not.toMatch(/\.\.\/shared/);
  });
});

describe('README library example', () => {
  it('is docs/examples/library.ts, which the package tests run', () => {
    const [shown] = blocksUnder('Library use', 'ts');
    const file = readFileSync(join(root, 'docs/examples/library.ts'), 'utf8');
    expect(file).toContain((shown as string).trim());
  });
});
