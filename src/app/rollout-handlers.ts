import { randomUUID } from 'node:crypto';
import {
  attemptKey,
  CompleteAttempt,
  EnqueueRollout,
  type RolloutCommand,
} from '../domain/index.ts';
import { ConcurrencyError } from '../eventstore/port.ts';
import type {
  AttemptView,
  ClaimResult,
  CompleteRequest,
  EnqueueRequest,
  EnqueueResult,
  Outcome,
  RolloutView,
} from './engine-api.ts';
import type { EngineContext } from './engine-context.ts';
import { logRolloutEvents } from './event-log.ts';
import { recordClaimSignOfLife } from './heartbeats.ts';
import { attemptLastHeartbeat, attemptView, rolloutView } from './queries.ts';
import { executeRolloutCommand, type RolloutCommandResult } from './rollout-commands.ts';

export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * Runs a rollout command from this process's cached state, and once it is accepted waits until
 * the read models include it (so the answer and any query after it see it), then logs it.
 */
async function runRolloutCommand(
  ctx: EngineContext,
  command: RolloutCommand,
): Promise<RolloutCommandResult> {
  const result = await executeRolloutCommand(ctx.store, command.rolloutId, command, {
    cache: ctx.rollouts,
  });
  if (!result.ok) return result;

  // A repeat appends nothing, but what it repeats may come from another engine process.
  await ctx.runner.waitFor(result.position ?? (await ctx.store.headPosition()));
  logRolloutEvents(ctx.logger, result.events);
  return result;
}

export async function enqueueRollout(
  ctx: EngineContext,
  request: EnqueueRequest,
): Promise<Outcome<EnqueueResult>> {
  const rolloutId = request.rolloutId ?? randomUUID();
  const { heartbeatTimeoutMs } = request;
  const command = EnqueueRollout.parse({
    type: 'EnqueueRollout',
    rolloutId,
    input: request.input ?? null,
    maxAttempts: request.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ...(heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs }),
    at: ctx.clock.now(),
  });
  const result = await runRolloutCommand(ctx, command);
  if (!result.ok) return result;

  const created = result.events.length > 0;
  const rollout = ctx.models.rollouts.get(rolloutId);
  if (!rollout) throw new Error(`rollout ${rolloutId} is missing from the read model`);
  return { ok: true, value: { created, rollout: rolloutView(ctx, rollout) } };
}

/**
 * Starts an attempt on the claimable rollout that waited longest. Rollouts another claim in this
 * process is taking are skipped; one that another process took first is skipped on the conflict.
 */
export function createClaimer(ctx: EngineContext) {
  const claiming = new Set<string>();

  return async function claim(workerId: string): Promise<ClaimResult | null> {
    await recordClaimSignOfLife(ctx, workerId);

    for (const rolloutId of ctx.models.claimQueue.keys()) {
      if (claiming.has(rolloutId)) continue;
      claiming.add(rolloutId);
      try {
        const attemptId = randomUUID();
        const at = ctx.clock.now();
        const command = { type: 'StartAttempt' as const, rolloutId, attemptId, workerId, at };
        const result = await runRolloutCommand(ctx, command);
        if (!result.ok || !result.state.exists) continue;

        const attemptNumber = result.state.attempts.length;
        return { rolloutId, attemptId, attemptNumber, input: result.state.input };
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
      } finally {
        claiming.delete(rolloutId);
      }
    }
    return null;
  };
}

export async function completeAttempt(
  ctx: EngineContext,
  request: CompleteRequest,
): Promise<Outcome<{ rollout: RolloutView; attempt: AttemptView }>> {
  const { rolloutId, attemptId, workerId, status, output, error } = request;
  const known = ctx.models.attempts.get(attemptKey(request));
  const command = CompleteAttempt.parse({
    type: 'CompleteAttempt',
    rolloutId,
    attemptId,
    workerId,
    status,
    ...(output === undefined ? {} : { output }),
    ...(error === undefined ? {} : { error }),
    lastHeartbeatAt: known ? attemptLastHeartbeat(ctx, known) : 0,
    at: ctx.clock.now(),
  });
  const result = await runRolloutCommand(ctx, command);
  if (!result.ok) return result;

  const rollout = ctx.models.rollouts.get(rolloutId);
  const attempt = ctx.models.attempts.get(attemptKey(request));
  if (!rollout || !attempt)
    throw new Error(`attempt ${rolloutId}/${attemptId} is missing from the read model`);
  return {
    ok: true,
    value: { rollout: rolloutView(ctx, rollout), attempt: attemptView(ctx, attempt) },
  };
}
