import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { EventStore } from '../../eventstore/port.ts';
import { openStore } from '../../eventstore/open-store.ts';
import { createManualClock, systemClock } from '../clock.ts';
import { describeConfigProblems, parseConfig, type Config } from '../config.ts';
import { createEngine } from '../engine.ts';
import type { Engine } from '../engine-api.ts';
import { buildServer } from './server.ts';

/** A server listening on its address, with the engine and store behind it. */
export interface RunningServer {
  /** Base URL clients use, e.g. `http://127.0.0.1:7070`. */
  readonly url: string;
  readonly engine: Engine;
  /** Stops accepting, finishes in-flight requests, stops the engine, closes the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** An already open store to serve instead of opening `config.store`. */
  store?: EventStore;
}

function urlOf(address: AddressInfo | string | null): string {
  if (address === null || typeof address === 'string') return `http://${String(address)}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Opens the store, starts the engine (replaying the read models) and listens. */
export async function startServer(config: Config, options: StartOptions): Promise<RunningServer> {
  const { logger } = options;

  // 1. The store and the engine; a manual clock starts frozen at the time of start-up.
  const store = options.store ?? (await openStore(config.store));
  const clock = config.clock === 'manual' ? createManualClock(Date.now()) : systemClock;
  const engine = createEngine({
    store,
    clock,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    tickIntervalMs: config.tickIntervalMs,
    logger,
  });
  try {
    await engine.start();
  } catch (error) {
    await store.close();
    throw error;
  }

  // 2. The HTTP server.
  const tokens = { operatorToken: config.operatorToken, workerToken: config.workerToken };
  const { app } = buildServer({ engine, logger, tokens });
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await engine.stop();
    await store.close();
    throw error;
  }
  const url = urlOf(app.server.address());
  logger.info(
    { url, store: store.name, clock: clock.kind, access: tokens.operatorToken ? 'tokens' : 'open' },
    'vigil listening',
  );

  // 3. Shutdown in dependency order, once however often it is asked for.
  let closed: Promise<void> | undefined;
  const close = async () => {
    await app.close();
    await engine.stop();
    await store.close();
    logger.info('vigil stopped');
  };
  return { url, engine, close: () => (closed ??= close()) };
}

/**
 * What `npm start` and `vigil serve` run: configuration from the environment (exit code 2 on a
 * bad setting), then the server until SIGTERM or SIGINT, answering the exit code to use.
 */
export async function runServerProcess(
  environment: NodeJS.ProcessEnv,
  stderr: { write(text: string): unknown },
): Promise<number> {
  const parsed = parseConfig(environment);
  if (!parsed.ok) {
    stderr.write(`vigil: ${describeConfigProblems(parsed.problems, environment)}\n`);
    return 2;
  }

  const logger = pino({ name: 'vigil', level: parsed.config.logLevel });
  let server: RunningServer;
  try {
    server = await startServer(parsed.config, { logger });
  } catch (error) {
    logger.fatal({ err: error }, 'vigil could not start');
    return 1;
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(received);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  logger.info({ signal }, 'vigil shutting down');
  await server.close();
  return 0;
}
