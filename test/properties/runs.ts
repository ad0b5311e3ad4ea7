/** Runs per property: at least 200 in `npm test`; `VIGIL_PROPERTY_RUNS=5000 npm test` for a long run. */
export const PROPERTY_RUNS = Math.max(200, Number(process.env.VIGIL_PROPERTY_RUNS ?? 200) || 200);

/** Vitest's per-test limit, grown with the number of runs. */
export const PROPERTY_TIMEOUT_MS = 60_000 + PROPERTY_RUNS * 200;
