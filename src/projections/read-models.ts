import type { AttemptRef, AttemptStatus, RolloutStatus, VigilEvent } from '../domain/index.ts';
import { attemptKey } from '../domain/index.ts';

/** An attempt as operators see it; `seq` is its place in creation order. */
export interface AttemptRecord {
  seq: number;
  rolloutId: string;
  attemptId: string;
  attemptNumber: number;
  workerId: string;
  status: AttemptStatus;
  startedAt: number;
  lastHeartbeatAt: number;
  endedAt?: number;
}

export interface RolloutRecord {
  seq: number;
  rolloutId: string;
  status: RolloutStatus;
  maxAttempts: number;
  heartbeatTimeoutMs?: number;
  input: unknown;
  output?: unknown;
  error?: string;
  attempts: AttemptRecord[];
}

export interface WorkerRecord {
  seq: number;
  workerId: string;
  /** The worker's last sign of life: registration, heartbeat or claim. */
  lastHeartbeatAt: number;
  /** Keys of the attempts running on this worker now. */
  running: Set<string>;
}

/**
 * The engine's read models, folded from events in position order: rollouts, attempts, workers
 * and the claim queue. Deterministic and free of I/O and clock: the same events always give the
 * same models, which the replay property checks.
 */
export interface ReadModels {
  rollouts: Map<string, RolloutRecord>;
  rolloutOrder: RolloutRecord[];
  attempts: Map<string, AttemptRecord>;
  attemptOrder: AttemptRecord[];
  workers: Map<string, WorkerRecord>;
  workerOrder: WorkerRecord[];
  /** Claimable rollout ids, longest-waiting first (insertion order of a Map). */
  claimQueue: Map<string, true>;
}

export function createReadModels(): ReadModels {
  return {
    rollouts: new Map(),
    rolloutOrder: [],
    attempts: new Map(),
    attemptOrder: [],
    workers: new Map(),
    workerOrder: [],
    claimQueue: new Map(),
  };
}

/** Folds one event into the read models, in place. */
export function applyEvent(models: ReadModels, event: VigilEvent): void {
  switch (event.type) {
    case 'RolloutEnqueued': {
      const { rolloutId, input, maxAttempts, heartbeatTimeoutMs } = event.data;
      if (models.rollouts.has(rolloutId)) return;
      const seq = models.rolloutOrder.length;
      const rollout: RolloutRecord = {
        seq,
        rolloutId,
        status: 'queuing',
        maxAttempts,
        input,
        attempts: [],
      };
      if (heartbeatTimeoutMs !== undefined) rollout.heartbeatTimeoutMs = heartbeatTimeoutMs;
      models.rollouts.set(rolloutId, rollout);
      models.rolloutOrder.push(rollout);
      models.claimQueue.set(rolloutId, true);
      return;
    }
    case 'AttemptStarted':
      return startAttempt(models, event.data);
    case 'AttemptSucceeded':
    case 'AttemptFailed':
    case 'AttemptTimedOut':
      return endAttempt(models, event);
    case 'RolloutRequeued':
      return setRolloutStatus(models, event.data.rolloutId, 'requeuing');
    case 'RolloutSucceeded':
      return setRolloutStatus(models, event.data.rolloutId, 'succeeded', {
        output: event.data.output,
      });
    case 'RolloutFailed':
      return setRolloutStatus(models, event.data.rolloutId, 'failed', { error: event.data.error });
    case 'WorkerRegistered':
      touchWorker(models, event.data.workerId, event.data.at);
      return;
    case 'WorkerHeartbeated':
      return recordHeartbeat(models, event.data.workerId, event.data.activeAttempts, event.data.at);
    case 'Ticked':
      return;
  }
}

function startAttempt(
  models: ReadModels,
  started: {
    rolloutId: string;
    attemptId: string;
    attemptNumber: number;
    workerId: string;
    at: number;
  },
): void {
  const { attemptId, attemptNumber, at } = started;
  const rollout = models.rollouts.get(started.rolloutId);
  if (!rollout || rollout.attempts.some((known) => known.attemptId === attemptId)) return;

  // The record shares its rollout's and its worker's id strings instead of keeping its own copies.
  const key = attemptKey(started);
  const worker = touchWorker(models, started.workerId, at);
  const attempt: AttemptRecord = {
    seq: models.attemptOrder.length,
    rolloutId: rollout.rolloutId,
    attemptId,
    attemptNumber,
    workerId: worker.workerId,
    status: 'running',
    startedAt: at,
    lastHeartbeatAt: at,
  };
  models.attempts.set(key, attempt);
  models.attemptOrder.push(attempt);
  rollout.attempts.push(attempt);
  rollout.status = 'running';
  models.claimQueue.delete(rollout.rolloutId);
  worker.running.add(key);
}

const terminalStatus = {
  AttemptSucceeded: 'succeeded',
  AttemptFailed: 'failed',
  AttemptTimedOut: 'timeout',
} as const;

function endAttempt(
  models: ReadModels,
  event: Extract<VigilEvent, { type: keyof typeof terminalStatus }>,
): void {
  const key = attemptKey(event.data);
  const attempt = models.attempts.get(key);
  if (!attempt) return;
  attempt.status = terminalStatus[event.type];
  attempt.lastHeartbeatAt = event.data.lastHeartbeatAt;
  attempt.endedAt = event.data.at;
  models.workers.get(attempt.workerId)?.running.delete(key);
}

function setRolloutStatus(
  models: ReadModels,
  rolloutId: string,
  status: RolloutStatus,
  outcome: { output?: unknown; error?: string } = {},
): void {
  const rollout = models.rollouts.get(rolloutId);
  if (!rollout) return;
  rollout.status = status;
  if (outcome.output !== undefined) rollout.output = outcome.output;
  if (outcome.error !== undefined) rollout.error = outcome.error;

  // A requeued rollout waits from the moment it was requeued: it joins the back of the queue.
  if (status === 'requeuing') models.claimQueue.set(rolloutId, true);
  else models.claimQueue.delete(rolloutId);
}

function touchWorker(models: ReadModels, workerId: string, at: number): WorkerRecord {
  const known = models.workers.get(workerId);
  if (known) {
    known.lastHeartbeatAt = Math.max(known.lastHeartbeatAt, at);
    return known;
  }
  const worker: WorkerRecord = {
    seq: models.workerOrder.length,
    workerId,
    lastHeartbeatAt: at,
    running: new Set(),
  };
  models.workers.set(workerId, worker);
  models.workerOrder.push(worker);
  return worker;
}

/** A heartbeat refreshes its worker and each named attempt running on that worker, nothing else. */
function recordHeartbeat(
  models: ReadModels,
  workerId: string,
  named: AttemptRef[],
  at: number,
): void {
  touchWorker(models, workerId, at);
  for (const ref of named) {
    const attempts = models.rollouts.get(ref.rolloutId)?.attempts;
    if (!attempts) continue;
    for (const attempt of attempts) {
      if (attempt.attemptId !== ref.attemptId) continue;
      if (attempt.status === 'running' && attempt.workerId === workerId) {
        attempt.lastHeartbeatAt = Math.max(attempt.lastHeartbeatAt, at);
      }
    }
  }
}
