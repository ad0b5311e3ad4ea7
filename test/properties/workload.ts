import fc from 'fast-check';

export const WORKERS = ['w1', 'w2', 'w3'] as const;
export type WorkerName = (typeof WORKERS)[number];

/** One step of a random workload across several workers. */
export type Action =
  | { kind: 'enqueue'; maxAttempts: number }
  | { kind: 'claim'; worker: WorkerName }
  | { kind: 'heartbeat'; worker: WorkerName; zombie: boolean }
  | { kind: 'complete'; worker: WorkerName; status: 'succeeded' | 'failed' }
  | { kind: 'advance'; ms: number }
  | { kind: 'silence'; worker: WorkerName }
  | { kind: 'revive'; worker: WorkerName };

const worker = fc.constantFrom(...WORKERS);

/** Weighted so that histories contain long silences as well as steady heartbeating. */
export const actionArbitrary = (maxAdvanceMs: number): fc.Arbitrary<Action> =>
  fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('enqueue' as const),
        maxAttempts: fc.integer({ min: 1, max: 3 }),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('claim' as const), worker }) },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('heartbeat' as const),
        worker,
        zombie: fc.boolean(),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('complete' as const),
        worker,
        status: fc.constantFrom('succeeded' as const, 'failed' as const),
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('advance' as const),
        ms: fc.integer({ min: 1, max: maxAdvanceMs }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('silence' as const), worker }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('revive' as const), worker }) },
  );
