import { pino } from 'pino';
import { startProjectionRunner, type ProjectionRunner } from '../projections/index.ts';
import { isManualClock } from './clock.ts';
import type { Engine, EngineOptions } from './engine-api.ts';
import type { EngineContext } from './engine-context.ts';
import { flushHeldHeartbeat, recordHeartbeat } from './heartbeats.ts';
import { createKeyedLock } from './keyed-lock.ts';
import { createQueries } from './queries.ts';
import { createRolloutCache } from './rollout-cache.ts';
import { completeAttempt, createClaimer, enqueueRollout } from './rollout-handlers.ts';
import { createTicker } from './ticker.ts';
import { startTimeoutSaga, type TimeoutSaga } from './timeout-saga.ts';
import { findStaleAttempts, timeOutAttempt } from './timeouts.ts';
import { createWorkerLiveness } from './worker-liveness.ts';

/**
 * Creates the engine: command handlers and queries over read models that it rebuilds from the
 * store on `start`, plus the ticker and the timeout saga that run until `stop`.
 */
export function createEngine(options: EngineOptions): Engine {
  const { store, clock, heartbeatTimeoutMs, tickIntervalMs } = options;
  const logger = options.logger ?? pino({ level: 'silent' });
  const onError = (error: unknown): void => logger.error({ err: error }, 'background work failed');
  let runner: ProjectionRunner | undefined;
  let ctx: EngineContext | undefined;
  let saga: TimeoutSaga | undefined;
  const ticker = createTicker({ store, clock, intervalMs: tickIntervalMs, onError });

  const started = (): EngineContext => {
    if (!ctx) throw new Error('the engine is not started');
    return ctx;
  };

  let claim: ((workerId: string) => ReturnType<Engine['claim']>) | undefined;
  let queries: ReturnType<typeof createQueries> | undefined;
  const query = (): ReturnType<typeof createQueries> => {
    if (!queries) throw new Error('the engine is not started');
    return queries;
  };

  const engine: Engine = {
    clock,
    store,
    heartbeatTimeoutMs,
    tickIntervalMs,

    get projected$() {
      if (!runner) throw new Error('the engine is not started');
      return runner.projected$;
    },

    async start() {
      // 1. Rebuild the read models from the whole log.
      runner = startProjectionRunner(store.subscribeToAll(), ({ position, type }, reason) =>
        logger.warn({ position, type, reason }, 'event skipped: it fails its schema'),
      );
      await runner.waitFor(await store.headPosition());
      ctx = {
        store,
        clock,
        logger,
        heartbeatTimeoutMs,
        runner,
        models: runner.models,
        liveness: createWorkerLiveness(),
        rollouts: createRolloutCache(),
        workerLock: createKeyedLock(),
        startedAt: clock.now(),
        stats: { heartbeatsReceived: 0, heartbeatsAppended: 0 },
      };
      queries = createQueries(ctx);
      claim = createClaimer(ctx);

      // 2. Start acting on ticks, then start ticking.
      const context = ctx;
      saga = await startTimeoutSaga({
        store,
        waitForProjection: (position) => context.runner.waitFor(position),
        findStale: (at) => findStaleAttempts(context, at),
        timeOut: (candidate, at) => timeOutAttempt(context, candidate, at),
        onError,
      });
      await ticker.start();
      logger.info({ store: store.name, position: runner.position() }, 'engine started');
    },

    async stop() {
      await ticker.stop();
      await saga?.stop();
      if (ctx) {
        // Heartbeats held back by the throttle were acknowledged: write them before leaving.
        const context = ctx;
        const held = context.liveness.workersWithPending();
        await Promise.all(
          held.map((id) => context.workerLock.run(id, () => flushHeldHeartbeat(context, id))),
        );
      }
      runner?.stop();
      logger.info('engine stopped');
    },

    enqueue: (request) => enqueueRollout(started(), request),
    claim: (workerId) => {
      if (!claim) throw new Error('the engine is not started');
      return claim(workerId);
    },
    heartbeat: (workerId, activeAttempts) => recordHeartbeat(started(), workerId, activeAttempts),
    complete: (request) => completeAttempt(started(), request),

    async advanceClock(ms) {
      if (!isManualClock(clock)) {
        return {
          ok: false,
          rejection: { code: 'not_found', message: 'the clock is not manual (VIGIL_CLOCK=manual)' },
        };
      }
      clock.advance(ms);
      const position = await ticker.catchUp();
      if (position !== undefined) await saga?.waitFor(position);
      return { ok: true, value: { now: new Date(clock.now()).toISOString() } };
    },

    getRollout: (rolloutId) => query().getRollout(rolloutId),
    listRollouts: (q) => query().listRollouts(q),
    listAttempts: (q) => query().listAttempts(q),
    getWorker: (workerId) => query().getWorker(workerId),
    listWorkers: (q) => query().listWorkers(q),

    projectionPosition: () => runner?.position() ?? -1,
    stats: () => ({ ...(ctx?.stats ?? { heartbeatsReceived: 0, heartbeatsAppended: 0 }) }),
  };
  return engine;
}
