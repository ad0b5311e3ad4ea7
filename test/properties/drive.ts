import { expect } from 'vitest';
import type { TestEngine } from '../app/harness.ts';
import { ReferenceModel, type ModelAttempt } from './reference-model.ts';
import type { Action } from './workload.ts';

export const TIMEOUT_MS = 10_000;
export const TICK_MS = 1_000;

const iso = (ms: number): string => new Date(ms).toISOString();

/** Runs one action against the engine and the reference model, checking what the engine answers. */
export async function step(
  t: TestEngine,
  model: ReferenceModel,
  silent: Set<string>,
  action: Action,
  n: number,
): Promise<void> {
  const { engine, clock } = t;
  switch (action.kind) {
    case 'enqueue': {
      const rolloutId = `r${n}`;
      const outcome = await engine.enqueue({
        rolloutId,
        maxAttempts: action.maxAttempts,
        input: n,
      });
      expect(outcome.ok).toBe(true);
      model.enqueue(rolloutId, action.maxAttempts);
      return;
    }
    case 'claim': {
      if (silent.has(action.worker)) return;
      const claimed = await engine.claim(action.worker);
      model.signOfLife(action.worker, clock.now());
      // The longest-waiting claimable rollout, or nothing when none is claimable.
      expect(claimed?.rolloutId).toBe(model.queue[0]);
      if (claimed) model.start(claimed.rolloutId, claimed.attemptId, action.worker, clock.now());
      return;
    }
    case 'heartbeat': {
      if (silent.has(action.worker)) return;
      const running = model.running(action.worker);
      const zombies = action.zombie ? model.ended(action.worker).slice(-1) : [];
      const named = [...running, ...zombies].map(({ rolloutId, attemptId }) => ({
        rolloutId,
        attemptId,
      }));
      const { cancelledAttempts } = await engine.heartbeat(action.worker, named);
      const at = clock.now();
      model.signOfLife(action.worker, at);
      for (const attempt of running) attempt.lastHeartbeatAt = at;
      expect(cancelledAttempts).toEqual(
        zombies.map(({ rolloutId, attemptId, status }) => ({ rolloutId, attemptId, status })),
      );
      return;
    }
    case 'complete': {
      if (silent.has(action.worker)) return;
      const [attempt] = model.running(action.worker);
      if (!attempt) return;
      const { rolloutId, attemptId } = attempt;
      const outcome = await engine.complete({
        rolloutId,
        attemptId,
        workerId: action.worker,
        status: action.status,
      });
      expect(outcome.ok).toBe(true);
      model.end(attempt, action.status);
      return;
    }
    case 'advance': {
      const before = model.running();
      await t.advance(action.ms);
      const now = clock.now();
      const timedOut: { attempt: ModelAttempt; endedAt: number }[] = [];
      for (const attempt of before) {
        const { rolloutId, attemptId } = attempt;
        const seen = engine
          .listAttempts({ rolloutId })
          .items.find((a) => a.attemptId === attemptId);
        if (seen?.status === 'timeout') {
          // Never while the worker's last heartbeat naming it was within the timeout.
          const endedAt = Date.parse(seen.endedAt ?? '');
          expect(endedAt - attempt.lastHeartbeatAt).toBeGreaterThan(TIMEOUT_MS);
          timedOut.push({ attempt, endedAt });
        } else {
          // Every attempt silent for longer than timeout + one tick has timed out.
          expect(seen?.status).toBe('running');
          expect(now - attempt.lastHeartbeatAt).toBeLessThanOrEqual(TIMEOUT_MS + TICK_MS);
        }
      }
      // Requeued in the order they timed out: by tick, then longest silent, then start order.
      timedOut.sort(
        (a, b) =>
          a.endedAt - b.endedAt ||
          a.attempt.lastHeartbeatAt - b.attempt.lastHeartbeatAt ||
          a.attempt.seq - b.attempt.seq,
      );
      for (const { attempt } of timedOut) model.end(attempt, 'timeout');
      return;
    }
    case 'silence':
      silent.add(action.worker);
      return;
    case 'revive':
      silent.delete(action.worker);
      return;
  }
}

/** The engine's queries agree with the reference model. */
export function expectAgreement(t: TestEngine, model: ReferenceModel): void {
  const { engine, clock } = t;
  const now = clock.now();

  for (const rollout of model.rollouts.values()) {
    const seen = engine.getRollout(rollout.rolloutId);
    expect(seen?.status).toBe(rollout.status);
    expect(seen?.attempts.filter((a) => a.status === 'running').length ?? 0).toBeLessThanOrEqual(1);
    expect(
      seen?.attempts.map((a) => ({
        attemptId: a.attemptId,
        workerId: a.workerId,
        status: a.status,
        lastHeartbeatAt: a.lastHeartbeatAt,
      })),
    ).toEqual(
      rollout.attempts.map((a) => ({
        attemptId: a.attemptId,
        workerId: a.workerId,
        status: a.status,
        lastHeartbeatAt: iso(a.lastHeartbeatAt),
      })),
    );
  }

  for (const [workerId, lastSign] of model.lastSignOfLife) {
    const running = model.running(workerId);
    const expected = now - lastSign > TIMEOUT_MS ? 'stale' : running.length > 0 ? 'active' : 'idle';
    const worker = engine.getWorker(workerId);
    expect(worker?.status).toBe(expected);
    expect(worker?.lastHeartbeatAt).toBe(iso(lastSign));
    expect(worker?.activeAttempts.map((a) => a.attemptId).sort()).toEqual(
      running.map((a) => a.attemptId).sort(),
    );
  }
}
