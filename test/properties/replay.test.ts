import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VigilEvent } from '../../src/domain/index.ts';
import {
  applyEvent,
  createReadModels,
  startProjectionRunner,
  type ReadModels,
} from '../../src/projections/index.ts';
import { startTestEngine } from '../app/harness.ts';
import { step, TICK_MS, TIMEOUT_MS } from './drive.ts';
import { ReferenceModel } from './reference-model.ts';
import { PROPERTY_RUNS, PROPERTY_TIMEOUT_MS } from './runs.ts';
import { actionArbitrary } from './workload.ts';

/** The read models as plain data, so two of them compare with toEqual. */
function snapshot(models: ReadModels): unknown {
  return {
    rollouts: models.rolloutOrder.map(({ attempts, ...rollout }) => ({
      ...rollout,
      attempts: attempts.map((a) => a.seq),
    })),
    attempts: models.attemptOrder.map((a) => ({ ...a })),
    workers: models.workerOrder.map(({ running, ...worker }) => ({
      ...worker,
      running: [...running].sort(),
    })),
    claimQueue: [...models.claimQueue.keys()],
    lookups: [models.rollouts.size, models.attempts.size, models.workers.size],
  };
}

describe('replay property', () => {
  it(
    'rebuilding every read model from scratch equals the incrementally maintained one at every prefix',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(actionArbitrary(TIMEOUT_MS * 1.5), { minLength: 5, maxLength: 40, size: 'max' }),
          async (actions) => {
            // 1. Run a random workload while a live projection records its models after each event.
            const t = await startTestEngine({
              heartbeatTimeoutMs: TIMEOUT_MS,
              tickIntervalMs: TICK_MS,
            });
            const live = startProjectionRunner(t.store.subscribeToAll());
            const incremental: { position: number; models: unknown }[] = [];
            live.projected$.subscribe(({ position }) =>
              incremental.push({ position, models: snapshot(live.models) }),
            );
            try {
              const model = new ReferenceModel();
              const silent = new Set<string>();
              for (const [n, action] of actions.entries()) await step(t, model, silent, action, n);
              await live.waitFor(await t.store.headPosition());

              // 2. Fold each prefix of the log from scratch and compare.
              const log = (await t.store.readAll()).map((e) => ({
                position: e.position,
                event: VigilEvent.parse({ type: e.type, data: e.data }),
              }));
              expect(log.map((e) => e.position)).toEqual(incremental.map((e) => e.position));
              for (let end = 1; end <= log.length; end++) {
                const rebuilt = createReadModels();
                for (const { event } of log.slice(0, end)) applyEvent(rebuilt, event);
                expect(snapshot(rebuilt)).toEqual(incremental[end - 1]?.models);
              }
            } finally {
              live.stop();
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
