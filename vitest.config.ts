import { defineConfig } from 'vitest/config';

// .ci/run asks for a JSON report so it can print one "N passed, N failed" line.
const jsonReport = process.env.VIGIL_VITEST_JSON;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    outputFile: jsonReport ? { json: jsonReport } : undefined,
  },
});
