import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attemptKey, VigilEvent } from '../../src/domain/index.ts';
import { createMemoryStore } from '../../src/eventstore/memory.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { startTestEngine } from '../app/harness.ts';
import { PROPERTY_RUNS, PROPERTY_TIMEOUT_MS } from './runs.ts';

const TIMEOUT_MS = 10_000;

/** A memory store whose appends and reads, once `race` is on, run when the scheduler says. */
function racingStore(s: fc.Scheduler, log: string[], onOperation: (count: number) => void) {
  const inner = createMemoryStore();
  let race = false;
  let operations = 0;
  const later = <T>(label: string, run: () => Promise<T>): Promise<T> => {
    if (!race) return run();
    onOperation(++operations);
    return s.schedule(Promise.resolve(label), label).then(run);
  };
  const store: EventStore = {
    ...inner,
    name: inner.name,
    append: (stream, events, options) =>
      later(`append ${stream}`, async () => {
        const result = await inner.append(stream, events, options);
        log.push(...events.map((e) => `${e.type}`));
        return result;
      }),
    read: (stream, options) => later(`read ${stream}`, () => inner.read(stream, options)),
  };
  return { store, startRace: () => (race = true) };
}

describe('race property', () => {
  it(
    'an attempt is timed out only if no heartbeat within the timeout was committed when the timeout was appended',
    async () => {
      const arbitraries = [
        fc.scheduler(),
        fc.integer({ min: 1, max: 3_000 }),
        fc.integer({ min: 0, max: 8 }),
      ] as const;
      await fc.assert(
        fc.asyncProperty(...arbitraries, async (s, lateByMs, heartbeatAfterOperations) => {
          // 1. A claimed attempt, silent just past its timeout; no tick has judged it yet.
          const log: string[] = [];
          let sendHeartbeat = (): void => undefined;
          const { store, startRace } = racingStore(s, log, (count) => {
            if (count === heartbeatAfterOperations) sendHeartbeat();
          });
          const t = await startTestEngine({
            store,
            heartbeatTimeoutMs: TIMEOUT_MS,
            tickIntervalMs: 1_000,
          });
          try {
            await t.engine.enqueue({ rolloutId: 'r' });
            const claim = await t.engine.claim('w');
            if (!claim) throw new Error('nothing claimed');
            const ref = { rolloutId: 'r', attemptId: claim.attemptId };
            t.clock.advance(TIMEOUT_MS + lateByMs);

            // 2. The worker's heartbeat and the saga's decision race: the heartbeat is sent at any
            // point of the tick's handling, and the scheduler orders every store call.
            const heartbeat = new Promise<{ cancelledAttempts: unknown[] }>((resolve, reject) => {
              sendHeartbeat = () => {
                sendHeartbeat = () => undefined;
                t.engine.heartbeat('w', [ref]).then((answer) => {
                  log.push('heartbeat acknowledged');
                  resolve(answer);
                }, reject);
              };
            });
            startRace();
            if (heartbeatAfterOperations === 0) sendHeartbeat();
            const tick = t.engine.advanceClock(1).then((outcome) => {
              sendHeartbeat();
              return outcome;
            });
            const [{ cancelledAttempts }] = await s.waitFor(Promise.all([heartbeat, tick]));

            // 3. Judge the outcome from the committed log.
            const attempt = t.engine.listAttempts({ rolloutId: 'r' }).items[0];
            const timedOut = log.indexOf('AttemptTimedOut');
            const events = (await store.readAll()).map((e) =>
              VigilEvent.parse({ type: e.type, data: e.data }),
            );
            const timeoutAt = events.findIndex((e) => e.type === 'AttemptTimedOut');
            const freshHeartbeatAt = events.findIndex(
              (e) =>
                e.type === 'WorkerHeartbeated' &&
                e.data.activeAttempts.some((named) => attemptKey(named) === attemptKey(ref)),
            );
            if (attempt?.status === 'timeout') {
              expect(timedOut).toBeGreaterThanOrEqual(0);
              expect(log.indexOf('heartbeat acknowledged')).toBeGreaterThan(timedOut);
              expect(freshHeartbeatAt === -1 || freshHeartbeatAt > timeoutAt).toBe(true);
              expect(cancelledAttempts).toEqual([{ ...ref, status: 'timeout' }]);
            } else {
              expect(attempt?.status).toBe('running');
              expect(cancelledAttempts).toEqual([]);
            }
          } finally {
            await t.close();
          }
        }),
        { numRuns: PROPERTY_RUNS },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
