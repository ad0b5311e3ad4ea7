/**
 * How big the reliability tests run. `npm test` runs them sized for CI (each file well under
 * 30 s on two cores); `VIGIL_LONG=1 npm test` runs them long, for soak runs before a release.
 */
export const LONG = process.env.VIGIL_LONG === '1';

/** Requests per route in the fuzz test. */
export const FUZZ_RUNS = LONG ? 3000 : 150;

/** Kills (each followed by a restart) in the crash test. */
export const CRASH_ROUNDS = LONG ? 25 : 3;

/** The load test's fleet and workload. */
export const LOAD = LONG ? { workers: 1000, rollouts: 6000 } : { workers: 200, rollouts: 500 };

/** Vitest's limit for one of these tests: generous, so a slow machine fails a check, not the clock. */
export const RELIABILITY_TIMEOUT_MS = LONG ? 1_800_000 : 120_000;
