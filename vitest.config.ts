import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Statistical tests simulate hundreds of thousands of customers; give them room
    // on a loaded 2-core machine without letting a hang run forever.
    testTimeout: 120_000,
    pool: 'forks',
    // The CLI tests spawn bin/splitsim.js, which runs dist/: build it from the sources first.
    globalSetup: ['test/package/build-dist.ts'],
    // Fails a file that runs a simulation in a describe body instead of a test or beforeAll.
    setupFiles: ['test/helpers/no-collection-runs.ts'],
  },
});
