import {
  attemptKey,
  decideWorker,
  isRejection,
  workerStream,
  type AttemptRef,
  type WorkerEvent,
} from '../domain/index.ts';
import type { CancelledAttempt } from './engine-api.ts';
import { WORKER_EVENTS_KEPT, type EngineContext } from './engine-context.ts';
import type { PendingHeartbeat } from './worker-liveness.ts';

/**
 * Appends a worker's events (its registration if the read models do not know it yet, then the
 * given heartbeats) and waits until the read models include them. Callers hold the worker lock.
 */
async function appendWorkerEvents(
  ctx: EngineContext,
  workerId: string,
  heartbeats: PendingHeartbeat[],
  at: number,
): Promise<void> {
  const registered = ctx.models.workers.has(workerId);
  const events: WorkerEvent[] = [];
  if (!registered) {
    const decision = decideWorker({ type: 'RegisterWorker', workerId, at }, { registered });
    if (!isRejection(decision)) events.push(...decision.events);
  }
  for (const { activeAttempts, at: heartbeatAt } of heartbeats) {
    const command = { type: 'RecordHeartbeat' as const, workerId, activeAttempts, at: heartbeatAt };
    const decision = decideWorker(command, { registered: true });
    if (!isRejection(decision)) events.push(...decision.events);
  }
  if (events.length === 0) return;

  const stream = workerStream(workerId);
  if (!registered) await ctx.store.setStreamMaxCount(stream, WORKER_EVENTS_KEPT);
  const { position } = await ctx.store.append(stream, events, { expectedRevision: 'any' });
  ctx.stats.heartbeatsAppended += heartbeats.length;
  await ctx.runner.waitFor(position);
}

/** Appends the heartbeat the throttle held back for this worker, if any. Hold the worker lock. */
export async function flushHeldHeartbeat(ctx: EngineContext, workerId: string): Promise<void> {
  const pending = ctx.liveness.takePending(workerId);
  if (!pending) return;
  try {
    await appendWorkerEvents(ctx, workerId, [pending], pending.at);
  } catch (error) {
    ctx.liveness.restore(workerId, pending);
    throw error;
  }
}

/** The throttle appends a heartbeat at most once per quarter of the shortest timeout involved. */
function throttleMs(ctx: EngineContext, running: AttemptRef[]): number {
  let shortest = ctx.heartbeatTimeoutMs;
  for (const ref of running) {
    const timeout = ctx.models.rollouts.get(ref.rolloutId)?.heartbeatTimeoutMs;
    if (timeout !== undefined) shortest = Math.min(shortest, timeout);
  }
  return shortest / 4;
}

/**
 * Records a heartbeat: refreshes the worker and each named attempt running on it, and answers
 * every named attempt that is not running on this worker so the worker can stop that work.
 */
export function recordHeartbeat(
  ctx: EngineContext,
  workerId: string,
  named: AttemptRef[],
): Promise<{ cancelledAttempts: CancelledAttempt[] }> {
  ctx.stats.heartbeatsReceived += 1;
  return ctx.workerLock.run(workerId, async () => {
    // 1. Sort the named attempts: running here, or to be cancelled (with why).
    const at = ctx.clock.now();
    const running: AttemptRef[] = [];
    const keys: string[] = [];
    const cancelledAttempts: CancelledAttempt[] = [];
    const seen = new Set<string>();
    for (const ref of named) {
      const key = attemptKey(ref);
      if (seen.has(key)) continue;
      seen.add(key);
      const attempt = ctx.models.attempts.get(key);
      const { rolloutId, attemptId } = ref;
      if (attempt?.status === 'running' && attempt.workerId === workerId) {
        running.push({ rolloutId, attemptId });
        keys.push(key);
      } else cancelledAttempts.push({ rolloutId, attemptId, status: attempt?.status ?? 'unknown' });
    }

    // 2. Append now, or hold the heartbeat back until the throttle interval has passed.
    const heartbeat = { activeAttempts: running, keys, at };
    const due = ctx.liveness.receive(workerId, heartbeat, throttleMs(ctx, running));
    if (due.length > 0 || !ctx.models.workers.has(workerId)) {
      try {
        await appendWorkerEvents(ctx, workerId, due, at);
      } catch (error) {
        ctx.liveness.restore(workerId, heartbeat);
        throw error;
      }
    }
    return { cancelledAttempts };
  });
}

/** A claim registers its worker and counts as a sign of life (kept in memory, not appended). */
export function recordClaimSignOfLife(ctx: EngineContext, workerId: string): Promise<void> {
  return ctx.workerLock.run(workerId, async () => {
    const at = ctx.clock.now();
    ctx.liveness.seen(workerId, at);
    if (!ctx.models.workers.has(workerId)) await appendWorkerEvents(ctx, workerId, [], at);
  });
}
