/**
 * Vigil's public API: the worker client, the engine and its stores, clocks and timers, and the
 * server for embedding. See README.md.
 */

export { VigilClient, type EnqueueResponse, type VigilClientOptions } from './app/client/client.ts';
export {
  AttemptCancelledError,
  isTransientError,
  VigilApiError,
  VigilError,
  VigilResponseError,
  VigilUnreachableError,
  WorkerStoppingError,
} from './app/client/errors.ts';
export { runWorker } from './app/client/worker.ts';
export type {
  AttemptContext,
  AttemptHandler,
  Backoff,
  RunWorkerOptions,
  WorkerEvent,
  WorkerHandle,
} from './app/client/worker-options.ts';
export {
  createManualTimers,
  systemTimers,
  type ManualTimers,
  type WorkerTimers,
} from './app/client/timers.ts';

export { createEngine } from './app/engine.ts';
export type * from './app/engine-api.ts';
export {
  createManualClock,
  isManualClock,
  systemClock,
  type Clock,
  type ManualClock,
} from './app/clock.ts';
export * from './eventstore/index.ts';

export { parseConfig, type Config, type ConfigProblem } from './app/config.ts';
export { startServer, type RunningServer, type StartOptions } from './app/http/serve.ts';
