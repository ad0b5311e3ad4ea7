import { WorkerEvent, attemptKey, workerStream, type AttemptRef } from '../domain/index.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { EngineContext } from './engine-context.ts';
import { logRolloutEvents } from './event-log.ts';
import { flushHeldHeartbeat } from './heartbeats.ts';
import { attemptLastHeartbeat } from './queries.ts';
import { executeRolloutCommand } from './rollout-commands.ts';
import type { StaleCandidate } from './timeout-saga.ts';

const PAGE = 100;

/**
 * The time of the worker's latest heartbeat that names the attempt, read from the worker's
 * stream (newest first, stopping at events older than the attempt), or undefined if none does.
 */
export async function latestHeartbeatNaming(
  store: EventStore,
  workerId: string,
  ref: AttemptRef,
  startedAt: number,
): Promise<number | undefined> {
  const key = attemptKey(ref);
  let fromRevision: number | undefined;
  for (;;) {
    const page = await store.read(workerStream(workerId), {
      direction: 'backwards',
      maxCount: PAGE,
      ...(fromRevision === undefined ? {} : { fromRevision }),
    });
    for (const stored of page) {
      const event = WorkerEvent.parse({ type: stored.type, data: stored.data });
      if (event.data.at < startedAt) return undefined;
      if (event.type !== 'WorkerHeartbeated') continue;
      if (event.data.activeAttempts.some((named) => attemptKey(named) === key))
        return event.data.at;
    }
    const oldest = page.at(-1);
    if (page.length < PAGE || !oldest || oldest.revision === 0) return undefined;
    fromRevision = oldest.revision - 1;
  }
}

/**
 * Running attempts whose latest known heartbeat is older than their timeout at `at`, the
 * longest-silent first (then in start order), so they are requeued in the order they fell silent.
 */
export function findStaleAttempts(ctx: EngineContext, at: number): StaleCandidate[] {
  const stale: { candidate: StaleCandidate; silentSince: number; seq: number }[] = [];
  for (const worker of ctx.models.workerOrder) {
    for (const key of worker.running) {
      const attempt = ctx.models.attempts.get(key);
      if (!attempt) continue;
      const rollout = ctx.models.rollouts.get(attempt.rolloutId);
      const timeoutMs = rollout?.heartbeatTimeoutMs ?? ctx.heartbeatTimeoutMs;
      const silentSince = Math.max(attemptLastHeartbeat(ctx, attempt), ctx.startedAt);
      if (at - silentSince <= timeoutMs) continue;
      const { rolloutId, attemptId, seq } = attempt;
      stale.push({
        candidate: { rolloutId, attemptId, workerId: worker.workerId },
        silentSince,
        seq,
      });
    }
  }
  stale.sort((a, b) => a.silentSince - b.silentSince || a.seq - b.seq);
  return stale.map(({ candidate }) => candidate);
}

/**
 * The timeout command handler: under the worker's lock (so no heartbeat of that worker lands
 * in between), appends any heartbeat the throttle held back, then decides from the rollout's
 * stream and the worker's stream, and appends the timeout with the rollout's revision.
 */
export function timeOutAttempt(
  ctx: EngineContext,
  candidate: StaleCandidate,
  at: number,
): Promise<void> {
  const { rolloutId, attemptId, workerId } = candidate;
  return ctx.workerLock.run(workerId, async () => {
    // 1. Every heartbeat acknowledged so far must be in the worker's stream.
    await flushHeldHeartbeat(ctx, workerId);

    // 2. Decide from the streams, not from the read models nor the cache (which learns the result).
    const result = await executeRolloutCommand(
      ctx.store,
      rolloutId,
      async (state) => {
        const attempt = state.exists
          ? state.attempts.find((a) => a.attemptId === attemptId)
          : undefined;
        const startedAt = attempt?.startedAt ?? 0;
        const heartbeat =
          attempt &&
          (await latestHeartbeatNaming(ctx.store, attempt.workerId, candidate, startedAt));
        return {
          type: 'TimeOutAttempt',
          rolloutId,
          attemptId,
          at,
          lastHeartbeatAt: heartbeat ?? startedAt,
          notBefore: ctx.startedAt,
          defaultHeartbeatTimeoutMs: ctx.heartbeatTimeoutMs,
        };
      },
      { cache: ctx.rollouts, fromStream: true },
    );
    if (!result.ok) {
      ctx.logger.debug({ rolloutId, attemptId, code: result.rejection.code }, 'timeout not needed');
      return;
    }

    // 3. The next heartbeat of this worker must see the attempt as timed out.
    if (result.position !== undefined) await ctx.runner.waitFor(result.position);
    logRolloutEvents(ctx.logger, result.events);
  });
}
