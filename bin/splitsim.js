#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader: `npx splitsim` works
// straight after `npm ci`, with no build step and no stale build to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../sim/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
