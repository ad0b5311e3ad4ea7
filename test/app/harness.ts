import { createManualClock, type ManualClock } from '../../src/app/clock.ts';
import type { Engine } from '../../src/app/engine-api.ts';
import { createEngine } from '../../src/app/engine.ts';
import { createMemoryStore } from '../../src/eventstore/memory.ts';
import type { EventStore } from '../../src/eventstore/port.ts';

export interface TestEngine {
  engine: Engine;
  clock: ManualClock;
  store: EventStore;
  /** Advances the manual clock through the engine, so due ticks are appended and acted on. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** A started engine on the memory store and a manual clock (30 s timeout, 1 s ticks by default). */
export async function startTestEngine(
  options: {
    heartbeatTimeoutMs?: number;
    tickIntervalMs?: number;
    store?: EventStore;
    clock?: ManualClock;
  } = {},
): Promise<TestEngine> {
  const clock = options.clock ?? createManualClock();
  const store = options.store ?? createMemoryStore();
  const engine = createEngine({
    store,
    clock,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 30_000,
    tickIntervalMs: options.tickIntervalMs ?? 1_000,
  });
  await engine.start();
  return {
    engine,
    clock,
    store,
    async advance(ms) {
      const outcome = await engine.advanceClock(ms);
      if (!outcome.ok) throw new Error(outcome.rejection.message);
    },
    async close() {
      await engine.stop();
      await store.close();
    },
  };
}

/** Unwraps an engine outcome, failing the test with the rejection if there is one. */
export function expectOk<T>(
  outcome: { ok: true; value: T } | { ok: false; rejection: { code: string } },
): T {
  if (!outcome.ok) throw new Error(`rejected: ${outcome.rejection.code}`);
  return outcome.value;
}
