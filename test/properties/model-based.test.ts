import fc from 'fast-check';
import { describe, it } from 'vitest';
import { startTestEngine } from '../app/harness.ts';
import { expectAgreement, step, TICK_MS, TIMEOUT_MS } from './drive.ts';
import { ReferenceModel } from './reference-model.ts';
import { PROPERTY_RUNS, PROPERTY_TIMEOUT_MS } from './runs.ts';
import { actionArbitrary } from './workload.ts';

describe('model-based property', () => {
  it(
    'no attempt times out while heartbeated, every silent one does, requeues iff attempts remain, and queries match the model',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(actionArbitrary(TIMEOUT_MS + TIMEOUT_MS / 2), {
            minLength: 10,
            maxLength: 60,
            size: 'max',
          }),
          async (actions) => {
            const t = await startTestEngine({
              heartbeatTimeoutMs: TIMEOUT_MS,
              tickIntervalMs: TICK_MS,
            });
            const model = new ReferenceModel();
            const silent = new Set<string>();
            try {
              for (const [n, action] of actions.entries()) {
                await step(t, model, silent, action, n);
                expectAgreement(t, model);
              }
            } finally {
              await t.close();
            }
          },
        ),
        { numRuns: PROPERTY_RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
