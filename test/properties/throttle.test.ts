import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startTestEngine } from '../app/harness.ts';
import { PROPERTY_RUNS, PROPERTY_TIMEOUT_MS } from './runs.ts';

const TICK_MS = 1_000;

describe('heartbeat throttle property', () => {
  it(
    'a worker heartbeating at any period up to half the timeout is never timed out, a silent one still is, and appends stay bounded',
    async () => {
      const arbitraries = [
        fc.integer({ min: 4_000, max: 60_000 }), // heartbeat timeout
        fc.double({ min: 0.01, max: 0.5, noNaN: true }), // heartbeat period, as a share of the timeout
        fc.integer({ min: 4, max: 40 }), // heartbeats before the second worker falls silent
      ] as const;
      await fc.assert(
        fc.asyncProperty(...arbitraries, async (timeoutMs, share, beats) => {
          const periodMs = Math.max(1, Math.floor(timeoutMs * share));
          const t = await startTestEngine({
            heartbeatTimeoutMs: timeoutMs,
            tickIntervalMs: TICK_MS,
          });
          try {
            // 1. Two workers each claim a rollout and heartbeat at the same period.
            await t.engine.enqueue({ rolloutId: 'steady' });
            await t.engine.enqueue({ rolloutId: 'stops' });
            const steady = await t.engine.claim('steady-worker');
            const stops = await t.engine.claim('stopping-worker');
            if (!steady || !stops) throw new Error('nothing claimed');
            const steadyRef = { rolloutId: steady.rolloutId, attemptId: steady.attemptId };
            const stopsRef = { rolloutId: stops.rolloutId, attemptId: stops.attemptId };
            let lastBeatOfStopping = t.clock.now();
            for (let i = 0; i < beats; i++) {
              await t.advance(periodMs);
              await t.engine.heartbeat('steady-worker', [steadyRef]);
              await t.engine.heartbeat('stopping-worker', [stopsRef]);
              lastBeatOfStopping = t.clock.now();
            }

            // 2. One falls silent; the other goes on for longer than a timeout.
            const beatsAfter = Math.ceil((timeoutMs + 2 * TICK_MS) / periodMs);
            for (let i = 0; i < beatsAfter; i++) {
              await t.advance(periodMs);
              await t.engine.heartbeat('steady-worker', [steadyRef]);
            }
            await t.advance(TICK_MS);

            // 3. Only the silent one timed out, measured from its last (possibly held-back) heartbeat.
            expect(t.engine.getRollout('steady')?.attempts[0]?.status).toBe('running');
            const timedOut = t.engine.getRollout('stops')?.attempts[0];
            expect(timedOut?.status).toBe('timeout');
            expect(timedOut?.lastHeartbeatAt).toBe(new Date(lastBeatOfStopping).toISOString());
            const silentFor = Date.parse(timedOut?.endedAt ?? '') - lastBeatOfStopping;
            expect(silentFor).toBeGreaterThan(timeoutMs);
            expect(silentFor).toBeLessThanOrEqual(timeoutMs + Math.max(TICK_MS, periodMs));

            // 4. Each worker appended at most one heartbeat per quarter timeout (plus its first).
            const elapsed =
              t.clock.now() -
              Date.parse(t.engine.getRollout('steady')?.attempts[0]?.startedAt ?? '');
            const bound = 2 * (Math.ceil(elapsed / (timeoutMs / 4)) + 1);
            expect(t.engine.stats().heartbeatsAppended).toBeLessThanOrEqual(bound);
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
