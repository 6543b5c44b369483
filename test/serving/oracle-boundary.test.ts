// I4 (docs/invariants.md): routers, batchers, admission and preemption never read a
// request's true output length; only the simulator's EOS oracle does.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Request, RoutableRequest } from '../../sim/serving/request.js';

const serving = join(import.meta.dirname, '../../sim/serving');

/** The source without comments (a comment may name the field; only code reads it). */
function code(file: string): string {
  return readFileSync(join(serving, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
}

/** The body of `function name(…) { … }` in `text`, by brace matching ('' when absent). */
function functionBody(text: string, name: string): string {
  const start = text.search(new RegExp(`function ${name}\\s*\\(`));
  if (start < 0) return '';
  const open = text.indexOf('{', start);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

describe('I4 oracle boundary', () => {
  it('I4 oracle boundary: what a router sees (RoutableRequest) has no output length', () => {
    // Checked by the type-checker (npx tsc --noEmit): adding the field fails it.
    expectTypeOf<RoutableRequest>().not.toHaveProperty('outputTokens');
    expectTypeOf<Request>().toHaveProperty('outputTokens');
  });

  it('I4 oracle boundary: in sim/serving, only the EOS oracle (function stepsLeft) reads outputTokens', () => {
    const files = readdirSync(serving, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const readers: string[] = [];
    let oracles = 0;
    for (const file of files) {
      let text = code(file);
      const oracle = functionBody(text, 'stepsLeft');
      if (oracle.includes('outputTokens')) {
        oracles++;
        text = text.replace(oracle, '');
      }
      // request.ts declares the field (a constructor parameter); that is not a read.
      if (file === 'request.ts') text = text.replace(/readonly outputTokens: number/, '');
      if (/\boutputTokens\b/.test(text)) readers.push(file);
    }
    expect(readers, 'files in sim/serving reading outputTokens outside the oracle').toEqual([]);
    // The scan really found the oracle (a renamed oracle would hide every read).
    expect(oracles).toBe(1);
  });
});
