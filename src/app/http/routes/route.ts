import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { AccessClass, AccessCheck } from '../access.ts';
import { parseRequest } from '../validation.ts';

interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: 'GET' | 'POST';
  url: string;
  access: AccessClass;
  params: P;
  query: Q;
  body: B;
  handler: (
    input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> },
    reply: FastifyReply,
  ) => Promise<unknown>;
}

/** Registers a route that checks access first, then validates its path, query and body. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  app: FastifyInstance,
  checkAccess: AccessCheck,
  spec: RouteSpec<P, Q, B>,
): void {
  app.route({
    method: spec.method,
    url: spec.url,
    onRequest: async (request) => checkAccess(request, spec.access),
    handler: async (request, reply) => spec.handler(parseRequest(request, spec), reply),
  });
}
