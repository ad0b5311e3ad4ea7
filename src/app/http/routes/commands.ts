import type { FastifyInstance } from 'fastify';
import type { Engine, Outcome } from '../../engine-api.ts';
import type { AccessCheck } from '../access.ts';
import {
  advanceClockBody,
  attemptParams,
  completeBody,
  emptyBody,
  enqueueBody,
  heartbeatBody,
  noParams,
  noQuery,
  workerParams,
} from '../contract.ts';
import { ApiError, rejectionToApiError } from '../errors.ts';
import type { CommandName, CommandOutcome, ServerMetrics } from '../metrics.ts';
import { checkPayloadSize } from '../validation.ts';
import { defineRoute } from './route.ts';

export interface RouteContext {
  engine: Engine;
  checkAccess: AccessCheck;
  metrics: ServerMetrics;
}

function outcomeOf(error: unknown): CommandOutcome {
  return error instanceof ApiError && error.status < 500 ? 'rejected' : 'error';
}

/** Runs a command and records its latency, labelled by how it ended. */
async function timed<T>(
  metrics: ServerMetrics,
  command: CommandName,
  run: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  let outcome: CommandOutcome = 'ok';
  try {
    return await run();
  } catch (error) {
    outcome = outcomeOf(error);
    throw error;
  } finally {
    metrics.observeCommand(command, outcome, (performance.now() - started) / 1000);
  }
}

function valueOf<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw rejectionToApiError(outcome.rejection);
  return outcome.value;
}

/** The write side: enqueue, claim, heartbeat, complete, and (manual clock only) advance. */
export function registerCommandRoutes(app: FastifyInstance, context: RouteContext): void {
  const { engine, checkAccess, metrics } = context;

  defineRoute(app, checkAccess, {
    method: 'POST',
    url: '/rollouts',
    access: 'operator',
    params: noParams,
    query: noQuery,
    body: enqueueBody.optional(),
    handler: ({ body }, reply) =>
      timed(metrics, 'enqueue', async () => {
        checkPayloadSize(body?.input, 'input');
        const { created, rollout } = valueOf(await engine.enqueue(body ?? {}));
        if (!created) return reply.code(200).send(rollout);
        return reply.code(201).send({ rolloutId: rollout.rolloutId, status: rollout.status });
      }),
  });

  defineRoute(app, checkAccess, {
    method: 'POST',
    url: '/workers/:workerId/claim',
    access: 'worker',
    params: workerParams,
    query: noQuery,
    body: emptyBody,
    handler: ({ params }, reply) =>
      timed(metrics, 'claim', async () => {
        const claimed = await engine.claim(params.workerId);
        return claimed === null ? reply.code(204).send() : reply.code(200).send(claimed);
      }),
  });

  defineRoute(app, checkAccess, {
    method: 'POST',
    url: '/workers/:workerId/heartbeat',
    access: 'worker',
    params: workerParams,
    query: noQuery,
    body: heartbeatBody,
    handler: ({ params, body }) =>
      timed(metrics, 'heartbeat', () => engine.heartbeat(params.workerId, body.activeAttempts)),
  });

  defineRoute(app, checkAccess, {
    method: 'POST',
    url: '/rollouts/:rolloutId/attempts/:attemptId/complete',
    access: 'worker',
    params: attemptParams,
    query: noQuery,
    body: completeBody,
    handler: ({ params, body }) =>
      timed(metrics, 'complete', async () => {
        checkPayloadSize(body.output, 'output');
        return valueOf(await engine.complete({ ...params, ...body }));
      }),
  });

  if (engine.clock.kind !== 'manual') return;

  defineRoute(app, checkAccess, {
    method: 'POST',
    url: '/clock/advance',
    access: 'operator',
    params: noParams,
    query: noQuery,
    body: advanceClockBody,
    handler: ({ body }) =>
      timed(metrics, 'advance_clock', async () => valueOf(await engine.advanceClock(body.ms))),
  });
}
