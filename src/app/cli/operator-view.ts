import type { AttemptView, RolloutView, WorkerView } from '../engine-api.ts';
import { formatRelativeTime, renderTable } from './table.ts';

/** Tables an operator reads: one row per item, times relative to `now`. */

export function workersTable(workers: readonly WorkerView[], now: number): string {
  if (workers.length === 0) return 'no workers\n';
  return renderTable(
    ['WORKER', 'STATUS', 'LAST HEARTBEAT', 'ACTIVE ATTEMPTS'],
    workers.map((worker) => [
      worker.workerId,
      worker.status,
      formatRelativeTime(worker.lastHeartbeatAt, now),
      worker.activeAttempts.map((ref) => `${ref.rolloutId}/${ref.attemptId}`).join(', ') || '-',
    ]),
  );
}

export function attemptsTable(attempts: readonly AttemptView[], now: number): string {
  if (attempts.length === 0) return 'no attempts\n';
  return renderTable(
    ['ROLLOUT', 'ATTEMPT', '#', 'WORKER', 'STATUS', 'STARTED', 'LAST HEARTBEAT', 'ENDED'],
    attempts.map((attempt) => [
      attempt.rolloutId,
      attempt.attemptId,
      String(attempt.attemptNumber),
      attempt.workerId,
      attempt.timeoutReason ? `${attempt.status} (${attempt.timeoutReason})` : attempt.status,
      formatRelativeTime(attempt.startedAt, now),
      formatRelativeTime(attempt.lastHeartbeatAt, now),
      formatRelativeTime(attempt.endedAt, now),
    ]),
  );
}

function lastActivity(rollout: RolloutView): string | undefined {
  const last = rollout.attempts.at(-1);
  return last?.endedAt ?? last?.lastHeartbeatAt;
}

export function rolloutsTable(rollouts: readonly RolloutView[], now: number): string {
  if (rollouts.length === 0) return 'no rollouts\n';
  return renderTable(
    ['ROLLOUT', 'STATUS', 'ATTEMPTS', 'LAST ACTIVITY', 'ERROR'],
    rollouts.map((rollout) => [
      rollout.rolloutId,
      rollout.status,
      `${rollout.attempts.length}/${rollout.maxAttempts}`,
      formatRelativeTime(lastActivity(rollout), now),
      rollout.error ?? '',
    ]),
  );
}
