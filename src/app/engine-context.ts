import type { Logger } from 'pino';
import type { EventStore } from '../eventstore/port.ts';
import type { ProjectionRunner, ReadModels } from '../projections/index.ts';
import type { Clock } from './clock.ts';
import type { KeyedLock } from './keyed-lock.ts';
import type { RolloutCache } from './rollout-cache.ts';
import type { WorkerLiveness } from './worker-liveness.ts';

/** What the engine's handlers and queries share. */
export interface EngineContext {
  store: EventStore;
  clock: Clock;
  logger: Logger;
  heartbeatTimeoutMs: number;
  runner: ProjectionRunner;
  models: ReadModels;
  liveness: WorkerLiveness;
  /** Rollout states this process decided, so commands need not read the stream each time. */
  rollouts: RolloutCache;
  /** Serialises each worker's heartbeats with the timeout decisions on its attempts. */
  workerLock: KeyedLock;
  /** When this engine came up: silence before it does not count against workers. */
  startedAt: number;
  stats: { heartbeatsReceived: number; heartbeatsAppended: number };
}

/** Worker stream events kept; the newest heartbeat names every attempt the worker runs. */
export const WORKER_EVENTS_KEPT = 100;
