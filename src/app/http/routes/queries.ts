import type { FastifyInstance } from 'fastify';
import {
  attemptsQuery,
  ignoredBody,
  noParams,
  noQuery,
  pageQuery,
  rolloutParams,
  rolloutsQuery,
  workerParams,
} from '../contract.ts';
import { StoreUnavailableError } from '../../../eventstore/port.ts';
import { ApiError } from '../errors.ts';
import type { RouteContext } from './commands.ts';
import { defineRoute } from './route.ts';

/** The read side: rollouts, attempts, workers, health and metrics. */
export function registerQueryRoutes(app: FastifyInstance, context: RouteContext): void {
  const { engine, checkAccess, metrics } = context;
  const get = { method: 'GET', access: 'operator', body: ignoredBody } as const;

  defineRoute(app, checkAccess, {
    ...get,
    url: '/rollouts/:rolloutId',
    params: rolloutParams,
    query: noQuery,
    handler: async ({ params }) => {
      const rollout = engine.getRollout(params.rolloutId);
      if (rollout) return rollout;
      throw new ApiError(404, 'not_found', `rollout ${params.rolloutId} does not exist`);
    },
  });

  defineRoute(app, checkAccess, {
    ...get,
    url: '/rollouts',
    params: noParams,
    query: rolloutsQuery,
    handler: async ({ query }) => engine.listRollouts(query),
  });

  defineRoute(app, checkAccess, {
    ...get,
    url: '/attempts',
    params: noParams,
    query: attemptsQuery,
    handler: async ({ query }) => engine.listAttempts(query),
  });

  defineRoute(app, checkAccess, {
    ...get,
    url: '/workers',
    params: noParams,
    query: pageQuery,
    handler: async ({ query }) => engine.listWorkers(query),
  });

  defineRoute(app, checkAccess, {
    ...get,
    url: '/workers/:workerId',
    params: workerParams,
    query: noQuery,
    handler: async ({ params }) => {
      const worker = engine.getWorker(params.workerId);
      if (worker) return worker;
      throw new ApiError(404, 'not_found', `worker ${params.workerId} has never been seen`);
    },
  });

  defineRoute(app, checkAccess, {
    ...get,
    url: '/health',
    access: 'open',
    params: noParams,
    query: noQuery,
    handler: async () => {
      // Any failure to read the store's head means it cannot serve: answer 503.
      await engine.store.headPosition().catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        throw new StoreUnavailableError(reason, { cause: error });
      });
      const projectionPosition = engine.projectionPosition();
      return { status: 'ok', store: engine.store.name, projectionPosition };
    },
  });

  defineRoute(app, checkAccess, {
    ...get,
    url: '/metrics',
    params: noParams,
    query: noQuery,
    handler: async (_input, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    },
  });
}
