import type { AttemptStatus, RolloutStatus } from '../../src/app/engine-api.ts';

export interface ModelAttempt {
  rolloutId: string;
  attemptId: string;
  workerId: string;
  /** Start order across all rollouts. */
  seq: number;
  status: AttemptStatus;
  startedAt: number;
  /** The worker's last heartbeat naming this attempt while it ran (its start before any). */
  lastHeartbeatAt: number;
}

export interface ModelRollout {
  rolloutId: string;
  maxAttempts: number;
  status: RolloutStatus;
  attempts: ModelAttempt[];
}

/**
 * The simple truth the engine must agree with: rollouts, attempts, the claim queue and each
 * worker's last sign of life, updated from what the workload did.
 */
export class ReferenceModel {
  readonly rollouts = new Map<string, ModelRollout>();
  readonly queue: string[] = [];
  readonly lastSignOfLife = new Map<string, number>();
  private attemptCount = 0;

  enqueue(rolloutId: string, maxAttempts: number): void {
    this.rollouts.set(rolloutId, { rolloutId, maxAttempts, status: 'queuing', attempts: [] });
    this.queue.push(rolloutId);
  }

  start(rolloutId: string, attemptId: string, workerId: string, at: number): void {
    const rollout = this.rollout(rolloutId);
    rollout.status = 'running';
    rollout.attempts.push({
      rolloutId,
      attemptId,
      workerId,
      seq: this.attemptCount++,
      status: 'running',
      startedAt: at,
      lastHeartbeatAt: at,
    });
    this.queue.splice(this.queue.indexOf(rolloutId), 1);
  }

  /** Ends an attempt; a bad end requeues while attempts remain and fails the rollout otherwise. */
  end(attempt: ModelAttempt, status: Exclude<AttemptStatus, 'running'>): void {
    const rollout = this.rollout(attempt.rolloutId);
    attempt.status = status;
    if (status === 'succeeded') {
      rollout.status = 'succeeded';
    } else if (rollout.attempts.length < rollout.maxAttempts) {
      rollout.status = 'requeuing';
      this.queue.push(rollout.rolloutId);
    } else {
      rollout.status = 'failed';
    }
  }

  running(workerId?: string): ModelAttempt[] {
    const all = [...this.rollouts.values()].flatMap((r) => r.attempts);
    return all.filter(
      (a) => a.status === 'running' && (workerId === undefined || a.workerId === workerId),
    );
  }

  ended(workerId: string): ModelAttempt[] {
    const all = [...this.rollouts.values()].flatMap((r) => r.attempts);
    return all.filter((a) => a.status !== 'running' && a.workerId === workerId);
  }

  signOfLife(workerId: string, at: number): void {
    this.lastSignOfLife.set(workerId, Math.max(at, this.lastSignOfLife.get(workerId) ?? at));
  }

  rollout(rolloutId: string): ModelRollout {
    const rollout = this.rollouts.get(rolloutId);
    if (!rollout) throw new Error(`model has no rollout ${rolloutId}`);
    return rollout;
  }
}
