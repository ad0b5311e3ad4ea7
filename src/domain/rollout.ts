import type { z } from 'zod';
import type {
  CompleteAttempt,
  EnqueueRollout,
  RolloutCommand,
  StartAttempt,
  TimeOutAttempt,
} from './commands.ts';
import { accept, type Decision } from './decision.ts';
import type { RolloutEvent } from './events.ts';
import { sameJson } from './json.ts';
import { reject, type Rejection } from './rejection.ts';

export type RolloutStatus = 'queuing' | 'running' | 'requeuing' | 'succeeded' | 'failed';
export type AttemptStatus = 'running' | 'succeeded' | 'failed' | 'timeout';

export interface AttemptState {
  attemptId: string;
  attemptNumber: number;
  workerId: string;
  status: AttemptStatus;
  startedAt: number;
  output?: unknown;
  error?: string;
}

export type RolloutState =
  | { exists: false }
  | {
      exists: true;
      rolloutId: string;
      input: unknown;
      maxAttempts: number;
      heartbeatTimeoutMs?: number;
      status: RolloutStatus;
      attempts: AttemptState[];
    };

type Existing = Extract<RolloutState, { exists: true }>;

export const initialRolloutState: RolloutState = { exists: false };

/** Folds one event of a rollout stream into the rollout's state. */
export function evolveRollout(state: RolloutState, event: RolloutEvent): RolloutState {
  if (event.type === 'RolloutEnqueued') {
    const { rolloutId, input, maxAttempts, heartbeatTimeoutMs } = event.data;
    return {
      exists: true,
      rolloutId,
      input,
      maxAttempts,
      heartbeatTimeoutMs,
      status: 'queuing',
      attempts: [],
    };
  }
  if (!state.exists) return state;

  switch (event.type) {
    case 'AttemptStarted': {
      const { attemptId, attemptNumber, workerId, at } = event.data;
      const attempt: AttemptState = {
        attemptId,
        attemptNumber,
        workerId,
        status: 'running',
        startedAt: at,
      };
      return { ...state, status: 'running', attempts: [...state.attempts, attempt] };
    }
    case 'AttemptSucceeded':
      return endAttempt(state, event.data.attemptId, {
        status: 'succeeded',
        output: event.data.output,
      });
    case 'AttemptFailed':
      return endAttempt(state, event.data.attemptId, { status: 'failed', error: event.data.error });
    case 'AttemptTimedOut':
      return endAttempt(state, event.data.attemptId, { status: 'timeout' });
    case 'RolloutRequeued':
      return { ...state, status: 'requeuing' };
    case 'RolloutSucceeded':
      return { ...state, status: 'succeeded' };
    case 'RolloutFailed':
      return { ...state, status: 'failed' };
  }
}

function endAttempt(state: Existing, attemptId: string, end: Partial<AttemptState>): Existing {
  const attempts = state.attempts.map((a) => (a.attemptId === attemptId ? { ...a, ...end } : a));
  return { ...state, attempts };
}

/** Decides what a command on one rollout means, from that rollout's state alone. */
export function decideRollout(
  command: RolloutCommand,
  state: RolloutState,
): Decision<RolloutEvent> {
  switch (command.type) {
    case 'EnqueueRollout':
      return decideEnqueue(command, state);
    case 'StartAttempt':
      return decideStart(command, state);
    case 'CompleteAttempt':
      return decideComplete(command, state);
    case 'TimeOutAttempt':
      return decideTimeOut(command, state);
  }
}

function decideEnqueue(
  command: z.infer<typeof EnqueueRollout>,
  state: RolloutState,
): Decision<RolloutEvent> {
  const { rolloutId, input, maxAttempts, heartbeatTimeoutMs, at } = command;
  if (!state.exists) {
    const data = {
      rolloutId,
      input,
      maxAttempts,
      at,
      ...(heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs }),
    };
    return accept({ type: 'RolloutEnqueued', data });
  }

  // Retrying an enqueue is safe: the same body (after defaults) changes nothing.
  const same =
    sameJson(state.input, input) &&
    state.maxAttempts === maxAttempts &&
    state.heartbeatTimeoutMs === heartbeatTimeoutMs;
  if (same) return accept();
  return reject('rollout_conflict', `rollout ${rolloutId} already exists with another body`);
}

function decideStart(
  command: z.infer<typeof StartAttempt>,
  state: RolloutState,
): Decision<RolloutEvent> {
  const { rolloutId, attemptId, workerId, at } = command;
  if (!state.exists) return reject('not_found', `rollout ${rolloutId} does not exist`);
  if (state.status !== 'queuing' && state.status !== 'requeuing') {
    return reject('rollout_not_claimable', `rollout ${rolloutId} is ${state.status}`);
  }
  if (state.attempts.some((a) => a.attemptId === attemptId)) {
    return reject(
      'rollout_conflict',
      `attempt ${attemptId} already exists on rollout ${rolloutId}`,
    );
  }

  const attemptNumber = state.attempts.length + 1;
  return accept({
    type: 'AttemptStarted',
    data: { rolloutId, attemptId, attemptNumber, workerId, at },
  });
}

function decideComplete(
  command: z.infer<typeof CompleteAttempt>,
  state: RolloutState,
): Decision<RolloutEvent> {
  const { rolloutId, attemptId, workerId, status, output, error, lastHeartbeatAt, at } = command;
  const found = findAttempt(state, rolloutId, attemptId);
  if ('rejection' in found) return found;
  const { rollout, attempt } = found;
  if (attempt.workerId !== workerId) {
    return reject(
      'not_assigned',
      `attempt ${attemptId} is assigned to worker ${attempt.workerId}, not ${workerId}`,
    );
  }

  if (attempt.status !== 'running') {
    // The exact result that ended the attempt, repeated, is a client retry: answer it again.
    const repeat =
      attempt.status === status && sameJson(attempt.output, output) && attempt.error === error;
    if (repeat) return accept();
    return reject('attempt_not_running', `attempt ${attemptId} already ended as ${attempt.status}`);
  }

  const end = {
    rolloutId,
    attemptId,
    workerId,
    lastHeartbeatAt: Math.max(lastHeartbeatAt, attempt.startedAt),
    at,
  };
  if (status === 'succeeded') {
    const outcome = output === undefined ? {} : { output };
    return accept(
      { type: 'AttemptSucceeded', data: { ...end, ...outcome } },
      { type: 'RolloutSucceeded', data: { rolloutId, at, ...outcome } },
    );
  }
  const failure = error === undefined ? {} : { error };
  return accept(
    { type: 'AttemptFailed', data: { ...end, ...failure } },
    afterBadEnd(rollout, attempt, at, error),
  );
}

function decideTimeOut(
  command: z.infer<typeof TimeOutAttempt>,
  state: RolloutState,
): Decision<RolloutEvent> {
  const { rolloutId, attemptId, at, notBefore, defaultHeartbeatTimeoutMs } = command;
  const found = findAttempt(state, rolloutId, attemptId);
  if ('rejection' in found) return found;
  const { rollout, attempt } = found;
  if (attempt.status !== 'running') {
    return reject('attempt_not_running', `attempt ${attemptId} already ended as ${attempt.status}`);
  }

  const lastHeartbeatAt = Math.max(command.lastHeartbeatAt, attempt.startedAt);
  const silentSince = Math.max(lastHeartbeatAt, notBefore);
  const timeoutMs = rollout.heartbeatTimeoutMs ?? defaultHeartbeatTimeoutMs;
  if (at - silentSince <= timeoutMs) {
    return reject('attempt_not_stale', `attempt ${attemptId} heartbeated within ${timeoutMs} ms`);
  }

  const silentForMs = at - lastHeartbeatAt;
  const timedOut = {
    rolloutId,
    attemptId,
    workerId: attempt.workerId,
    lastHeartbeatAt,
    silentForMs,
    reason: 'heartbeat' as const,
    at,
  };
  const error = `attempt ${attempt.attemptNumber} timed out after ${silentForMs} ms without a heartbeat`;
  return accept(
    { type: 'AttemptTimedOut', data: timedOut },
    afterBadEnd(rollout, attempt, at, error),
  );
}

/** An attempt that ended badly requeues its rollout while attempts remain, and fails it otherwise. */
function afterBadEnd(
  rollout: Existing,
  attempt: AttemptState,
  at: number,
  error?: string,
): RolloutEvent {
  const { rolloutId } = rollout;
  if (attempt.attemptNumber < rollout.maxAttempts)
    return { type: 'RolloutRequeued', data: { rolloutId, at } };
  return {
    type: 'RolloutFailed',
    data: { rolloutId, at, ...(error === undefined ? {} : { error }) },
  };
}

function findAttempt(
  state: RolloutState,
  rolloutId: string,
  attemptId: string,
): { rollout: Existing; attempt: AttemptState } | { rejection: Rejection } {
  if (!state.exists) return reject('not_found', `rollout ${rolloutId} does not exist`);
  const attempt = state.attempts.find((a) => a.attemptId === attemptId);
  if (!attempt)
    return reject('not_found', `attempt ${attemptId} does not exist on rollout ${rolloutId}`);
  return { rollout: state, attempt };
}

/** The attempt currently running on a rollout, if any. */
export const runningAttempt = (state: RolloutState): AttemptState | undefined =>
  state.exists ? state.attempts.find((a) => a.status === 'running') : undefined;
