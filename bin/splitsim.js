#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` and `npm install`
// run through the `prepare` script): compiling TypeScript at every start cost ~1.4 s.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  // Installed with --ignore-scripts, or dist/ removed: say how to get it, not a stack trace.
  console.error(
    'splitsim: the compiled CLI (dist/cli/main.js) is missing; run `npm run build` in the splitsim folder first.',
  );
  process.exit(1);
}
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
