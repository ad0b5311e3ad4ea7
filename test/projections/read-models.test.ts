import { describe, expect, it } from 'vitest';
import type { VigilEvent } from '../../src/domain/index.ts';
import { applyEvent, createReadModels, workerStatus } from '../../src/projections/index.ts';

const T0 = 1_000_000;
const ref = { rolloutId: 'r', attemptId: 'a1' };

function fold(...events: VigilEvent[]) {
  const models = createReadModels();
  for (const event of events) applyEvent(models, event);
  return models;
}

const enqueued: VigilEvent = {
  type: 'RolloutEnqueued',
  data: { rolloutId: 'r', input: null, maxAttempts: 2, at: T0 },
};
const started: VigilEvent = {
  type: 'AttemptStarted',
  data: { ...ref, attemptNumber: 1, workerId: 'w', at: T0 + 10 },
};
const heartbeat = (workerId: string, at: number): VigilEvent => ({
  type: 'WorkerHeartbeated',
  data: { workerId, activeAttempts: [ref], at },
});

describe('attempt read model', () => {
  it('takes lastHeartbeatAt from its start, then from the latest heartbeat of its own worker that names it', () => {
    expect(fold(enqueued, started).attempts.get('r/a1')?.lastHeartbeatAt).toBe(T0 + 10);
    const models = fold(enqueued, started, heartbeat('w', T0 + 500), heartbeat('w', T0 + 900));
    expect(models.attempts.get('r/a1')?.lastHeartbeatAt).toBe(T0 + 900);
  });

  it("never refreshes an attempt from another worker's heartbeat", () => {
    const models = fold(enqueued, started, heartbeat('intruder', T0 + 500));
    expect(models.attempts.get('r/a1')?.lastHeartbeatAt).toBe(T0 + 10);
  });

  it('never revives a terminal attempt: a late heartbeat changes neither status nor freshness', () => {
    const timedOut: VigilEvent = {
      type: 'AttemptTimedOut',
      data: {
        ...ref,
        workerId: 'w',
        lastHeartbeatAt: T0 + 10,
        silentForMs: 40_000,
        reason: 'heartbeat',
        at: T0 + 40_010,
      },
    };
    const models = fold(enqueued, started, timedOut, heartbeat('w', T0 + 40_020));
    expect(models.attempts.get('r/a1')).toMatchObject({
      status: 'timeout',
      lastHeartbeatAt: T0 + 10,
      endedAt: T0 + 40_010,
    });
    expect(models.workers.get('w')?.running.size).toBe(0);
  });

  it('puts a requeued rollout at the back of the claim queue', () => {
    const other: VigilEvent = {
      type: 'RolloutEnqueued',
      data: { rolloutId: 'later', input: null, maxAttempts: 1, at: T0 + 20 },
    };
    const failed: VigilEvent = {
      type: 'AttemptFailed',
      data: { ...ref, workerId: 'w', lastHeartbeatAt: T0 + 10, at: T0 + 30 },
    };
    const requeued: VigilEvent = { type: 'RolloutRequeued', data: { rolloutId: 'r', at: T0 + 30 } };
    const models = fold(enqueued, started, other, failed, requeued);
    expect([...models.claimQueue.keys()]).toEqual(['later', 'r']);
  });
});

describe('worker status', () => {
  const running = { running: new Set(['r/a1']) };
  const idle = { running: new Set<string>() };

  it('is active with a running attempt and a fresh heartbeat, idle without one', () => {
    expect(workerStatus(running, T0, T0 + 30_000, 30_000)).toBe('active');
    expect(workerStatus(idle, T0, T0 + 30_000, 30_000)).toBe('idle');
  });

  it('is stale once the last sign of life is strictly older than the timeout, running or not', () => {
    expect(workerStatus(running, T0, T0 + 30_001, 30_000)).toBe('stale');
    expect(workerStatus(idle, T0, T0 + 30_001, 30_000)).toBe('stale');
  });
});
