import { describe, it } from 'vitest';
import type { RolloutEvent } from '../../src/domain/index.ts';
import { given } from './specification.ts';

const T0 = 1_000_000;
const enqueued = (maxAttempts = 2): RolloutEvent => ({
  type: 'RolloutEnqueued',
  data: { rolloutId: 'r', input: { n: 1 }, maxAttempts, at: T0 },
});
const started = (attemptId: string, attemptNumber: number, at = T0 + 10): RolloutEvent => ({
  type: 'AttemptStarted',
  data: { rolloutId: 'r', attemptId, attemptNumber, workerId: 'w', at },
});
const requeued = (at: number): RolloutEvent => ({
  type: 'RolloutRequeued',
  data: { rolloutId: 'r', at },
});
const failedAttempt = (attemptId: string, at: number, error = 'boom'): RolloutEvent => ({
  type: 'AttemptFailed',
  data: { rolloutId: 'r', attemptId, workerId: 'w', lastHeartbeatAt: T0 + 10, at, error },
});

const end = { rolloutId: 'r', attemptId: 'a1', workerId: 'w' };
const completedAt = { lastHeartbeatAt: T0 + 50, at: T0 + 100 };
const timedOut = (at: number, silentForMs: number): RolloutEvent => ({
  type: 'AttemptTimedOut',
  data: { ...end, lastHeartbeatAt: T0 + 10, silentForMs, reason: 'heartbeat', at },
});

const succeeded: RolloutEvent = {
  type: 'AttemptSucceeded',
  data: { ...end, lastHeartbeatAt: T0, at: T0 + 100, output: 'done' },
};

const timeOut = (at: number, lastHeartbeatAt = T0 + 10, notBefore = 0) =>
  ({
    type: 'TimeOutAttempt',
    rolloutId: 'r',
    attemptId: 'a1',
    at,
    lastHeartbeatAt,
    notBefore,
    defaultHeartbeatTimeoutMs: 1_000,
  }) as const;

const complete = (
  status: 'succeeded' | 'failed',
  extra: { output?: string; error?: string } = {},
) =>
  ({
    type: 'CompleteAttempt',
    rolloutId: 'r',
    attemptId: 'a1',
    workerId: 'w',
    status,
    lastHeartbeatAt: T0 + 50,
    at: T0 + 100,
    ...extra,
  }) as const;

describe('enqueue', () => {
  const command = {
    type: 'EnqueueRollout',
    rolloutId: 'r',
    input: { n: 1 },
    maxAttempts: 2,
    at: T0,
  } as const;

  it('enqueues a new rollout', () => {
    given().when(command).then(enqueued());
  });

  it('treats the same id and body as a retry that appends nothing', () => {
    given(enqueued())
      .when({ ...command, at: T0 + 5 })
      .then();
  });

  it('rejects the same id with another body as rollout_conflict', () => {
    given(enqueued())
      .when({ ...command, input: { n: 2 } })
      .thenRejects('rollout_conflict');
    given(enqueued())
      .when({ ...command, maxAttempts: 3 })
      .thenRejects('rollout_conflict');
    given(enqueued())
      .when({ ...command, heartbeatTimeoutMs: 500 })
      .thenRejects('rollout_conflict');
  });
});

describe('start an attempt (claim)', () => {
  const command = {
    type: 'StartAttempt',
    rolloutId: 'r',
    attemptId: 'a1',
    workerId: 'w',
    at: T0 + 10,
  } as const;

  it('starts attempt 1 of a queuing rollout', () => {
    given(enqueued()).when(command).then(started('a1', 1));
  });

  it('starts the next attempt of a requeuing rollout', () => {
    given(enqueued(), started('a1', 1), failedAttempt('a1', T0 + 20), requeued(T0 + 20))
      .when({ ...command, attemptId: 'a2', at: T0 + 30 })
      .then(started('a2', 2, T0 + 30));
  });

  it('refuses a rollout that is already running', () => {
    given(enqueued(), started('a1', 1))
      .when({ ...command, attemptId: 'a2' })
      .thenRejects('rollout_not_claimable');
  });

  it('refuses a rollout that does not exist', () => {
    given().when(command).thenRejects('not_found');
  });
});

describe('complete an attempt', () => {
  it('succeeds the attempt and the rollout', () => {
    given(enqueued(), started('a1', 1))
      .when(complete('succeeded', { output: 'done' }))
      .then(
        { type: 'AttemptSucceeded', data: { ...end, ...completedAt, output: 'done' } },
        { type: 'RolloutSucceeded', data: { rolloutId: 'r', at: T0 + 100, output: 'done' } },
      );
  });

  it('fails the attempt and requeues while attempts remain', () => {
    given(enqueued(2), started('a1', 1))
      .when(complete('failed', { error: 'boom' }))
      .then(
        { type: 'AttemptFailed', data: { ...end, ...completedAt, error: 'boom' } },
        requeued(T0 + 100),
      );
  });

  it('fails the rollout when the last allowed attempt fails', () => {
    given(enqueued(1), started('a1', 1))
      .when(complete('failed', { error: 'boom' }))
      .then(
        { type: 'AttemptFailed', data: { ...end, ...completedAt, error: 'boom' } },
        { type: 'RolloutFailed', data: { rolloutId: 'r', at: T0 + 100, error: 'boom' } },
      );
  });

  it('answers the exact repeat of the ending result with no events', () => {
    given(enqueued(), started('a1', 1), succeeded)
      .when(complete('succeeded', { output: 'done' }))
      .then();
  });

  it('rejects another result for an ended attempt as attempt_not_running', () => {
    given(enqueued(), started('a1', 1), succeeded)
      .when(complete('succeeded', { output: 'other' }))
      .thenRejects('attempt_not_running');
    given(enqueued(), started('a1', 1), succeeded)
      .when(complete('failed'))
      .thenRejects('attempt_not_running');
  });

  it('rejects a result for a timed-out attempt as attempt_not_running', () => {
    given(enqueued(), started('a1', 1), timedOut(T0 + 2_000, 1_990), requeued(T0 + 2_000))
      .when(complete('succeeded', { output: 'late' }))
      .thenRejects('attempt_not_running');
  });

  it('rejects a worker the attempt is not assigned to as not_assigned', () => {
    given(enqueued(), started('a1', 1))
      .when({ ...complete('succeeded'), workerId: 'intruder' })
      .thenRejects('not_assigned');
  });

  it('rejects an unknown rollout or attempt as not_found', () => {
    given().when(complete('succeeded')).thenRejects('not_found');
    given(enqueued(), started('a1', 1))
      .when({ ...complete('succeeded'), attemptId: 'nope' })
      .thenRejects('not_found');
  });
});

describe('time out an attempt', () => {
  it('leaves an attempt alone while its silence is within the timeout (boundary included)', () => {
    given(enqueued(), started('a1', 1))
      .when(timeOut(T0 + 1_010))
      .thenRejects('attempt_not_stale');
  });

  it('times out an attempt silent for longer than the timeout and requeues its rollout', () => {
    given(enqueued(2), started('a1', 1))
      .when(timeOut(T0 + 1_011))
      .then(timedOut(T0 + 1_011, 1_001), requeued(T0 + 1_011));
  });

  it('fails the rollout when the timed-out attempt was the last allowed', () => {
    given(enqueued(1), started('a1', 1))
      .when(timeOut(T0 + 5_000))
      .then(timedOut(T0 + 5_000, 4_990), {
        type: 'RolloutFailed',
        data: {
          rolloutId: 'r',
          at: T0 + 5_000,
          error: 'attempt 1 timed out after 4990 ms without a heartbeat',
        },
      });
  });

  it('uses the rollout heartbeat timeout over the default', () => {
    const custom: RolloutEvent = {
      type: 'RolloutEnqueued',
      data: { rolloutId: 'r', input: null, maxAttempts: 2, heartbeatTimeoutMs: 10_000, at: T0 },
    };
    given(custom, started('a1', 1))
      .when(timeOut(T0 + 5_000))
      .thenRejects('attempt_not_stale');
  });

  it('does not count silence before the engine came back (downtime grace)', () => {
    given(enqueued(), started('a1', 1))
      .when(timeOut(T0 + 5_000, T0 + 10, T0 + 4_500))
      .thenRejects('attempt_not_stale');
  });

  it('does not time out an attempt that heartbeated within the timeout', () => {
    given(enqueued(), started('a1', 1))
      .when(timeOut(T0 + 5_000, T0 + 4_200))
      .thenRejects('attempt_not_stale');
  });

  it('rejects an attempt that already ended as attempt_not_running', () => {
    given(enqueued(), started('a1', 1), failedAttempt('a1', T0 + 20), requeued(T0 + 20))
      .when(timeOut(T0 + 5_000))
      .thenRejects('attempt_not_running');
  });

  it('rejects an unknown attempt as not_found', () => {
    given(enqueued())
      .when(timeOut(T0 + 5_000))
      .thenRejects('not_found');
  });
});
