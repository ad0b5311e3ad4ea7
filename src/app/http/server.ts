import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Engine } from '../engine-api.ts';
import { createAccessCheck, type AccessTokens } from './access.ts';
import { limits } from './contract.ts';
import { ApiError, replyWithError } from './errors.ts';
import { createServerMetrics, type ServerMetrics } from './metrics.ts';
import { registerCommandRoutes } from './routes/commands.ts';
import { registerQueryRoutes } from './routes/queries.ts';

export interface ServerOptions {
  engine: Engine;
  logger: Logger;
  tokens?: AccessTokens;
}

export interface VigilServer {
  readonly app: FastifyInstance;
  readonly metrics: ServerMetrics;
}

/**
 * The HTTP API of API.md over an engine. Fastify because it validates nothing we do not ask it
 * to (so zod stays the one source of request types), enforces a body limit while streaming,
 * and closes gracefully: `app.close()` stops accepting and waits for in-flight requests.
 */
export function buildServer(options: ServerOptions): VigilServer {
  const { engine } = options;
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyBytes,
    // Longer than any valid id, so an over-long one reaches validation and gets its 400.
    routerOptions: { maxParamLength: 512 },
    frameworkErrors: replyWithError,
    return503OnClosing: false,
  });
  const metrics = createServerMetrics(engine);
  const checkAccess = createAccessCheck(options.tokens ?? {});

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    void reply.header('connection', 'close');
    throw new ApiError(503, 'shutting_down', 'the server is shutting down');
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });
  app.addHook('onClose', async () => metrics.dispose());

  app.setErrorHandler(replyWithError);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const error = new ApiError(404, 'not_found', `no route ${request.method} ${path}`);
    void reply.code(404).send(error.toBody());
  });

  const context = { engine, checkAccess, metrics };
  registerCommandRoutes(app, context);
  registerQueryRoutes(app, context);
  return { app, metrics };
}
