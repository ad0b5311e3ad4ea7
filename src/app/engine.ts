import { pino } from 'pino';
import { startProjectionRunner } from '../projections/index.ts';
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
  const ticker = createTicker({ store, clock, intervalMs: tickIntervalMs, onError });

  /** What exists only between `start` and `stop`. */
  interface Running {
    ctx: EngineContext;
    queries: ReturnType<typeof createQueries>;
    claim: ReturnType<typeof createClaimer>;
    saga: TimeoutSaga;
  }
  let running: Running | undefined;
  const started = (): Running => {
    if (!running) throw new Error('the engine is not started');
    return running;
  };

  const engine: Engine = {
    clock,
    store,
    heartbeatTimeoutMs,
    tickIntervalMs,

    get projected$() {
      return started().ctx.runner.projected$;
    },

    async start() {
      // 1. Rebuild the read models from the whole log.
      const runner = startProjectionRunner(store.subscribeToAll(), ({ position, type }, reason) =>
        logger.warn({ position, type, reason }, 'event skipped: it fails its schema'),
      );
      await runner.waitFor(await store.headPosition());
      const ctx: EngineContext = {
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

      // 2. Start acting on ticks, then start ticking.
      const saga = await startTimeoutSaga({
        store,
        waitForProjection: (position) => runner.waitFor(position),
        findStale: (at) => findStaleAttempts(ctx, at),
        timeOut: (candidate, at) => timeOutAttempt(ctx, candidate, at),
        onError,
      });
      running = { ctx, queries: createQueries(ctx), claim: createClaimer(ctx), saga };
      await ticker.start();
      logger.info({ store: store.name, position: runner.position() }, 'engine started');
    },

    async stop() {
      await ticker.stop();
      if (running) {
        const { ctx, saga } = running;
        await saga.stop();

        // Heartbeats held back by the throttle were acknowledged: write them before leaving.
        const held = ctx.liveness.workersWithPending();
        await Promise.all(
          held.map((id) => ctx.workerLock.run(id, () => flushHeldHeartbeat(ctx, id))),
        );
        ctx.runner.stop();
      }
      logger.info('engine stopped');
    },

    enqueue: (request) => enqueueRollout(started().ctx, request),
    claim: (workerId) => started().claim(workerId),
    heartbeat: (workerId, activeAttempts) =>
      recordHeartbeat(started().ctx, workerId, activeAttempts),
    complete: (request) => completeAttempt(started().ctx, request),

    async advanceClock(ms) {
      if (!isManualClock(clock)) {
        return {
          ok: false,
          rejection: { code: 'not_found', message: 'the clock is not manual (VIGIL_CLOCK=manual)' },
        };
      }
      clock.advance(ms);
      const position = await ticker.catchUp();
      if (position !== undefined) await running?.saga.waitFor(position);
      return { ok: true, value: { now: new Date(clock.now()).toISOString() } };
    },

    getRollout: (rolloutId) => started().queries.getRollout(rolloutId),
    listRollouts: (q) => started().queries.listRollouts(q),
    listAttempts: (q) => started().queries.listAttempts(q),
    getWorker: (workerId) => started().queries.getWorker(workerId),
    listWorkers: (q) => started().queries.listWorkers(q),

    projectionPosition: () => running?.ctx.runner.position() ?? -1,
    stats: () => ({ ...(running?.ctx.stats ?? { heartbeatsReceived: 0, heartbeatsAppended: 0 }) }),
  };
  return engine;
}
