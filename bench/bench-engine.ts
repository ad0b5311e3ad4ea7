import { createManualClock, type Clock } from '../src/app/clock.ts';
import { createEngine } from '../src/app/engine.ts';
import type { Engine } from '../src/app/engine-api.ts';
import type { EventStore } from '../src/eventstore/port.ts';

/** API.md's defaults: what an operator gets without setting anything. */
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;
export const DEFAULT_TICK_INTERVAL_MS = 1_000;

/** An engine over `store` with the default settings, on a manual clock unless given one. */
export function createBenchEngine(store: EventStore, clock: Clock = createManualClock()): Engine {
  return createEngine({
    store,
    clock,
    heartbeatTimeoutMs: DEFAULT_HEARTBEAT_TIMEOUT_MS,
    tickIntervalMs: DEFAULT_TICK_INTERVAL_MS,
  });
}
