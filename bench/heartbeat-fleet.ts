import { createManualClock, type ManualClock } from '../src/app/clock.ts';
import type { AttemptRef, Engine } from '../src/app/engine-api.ts';
import { createSqliteStore } from '../src/eventstore/sqlite.ts';
import type { EventStore } from '../src/eventstore/port.ts';
import { createBenchEngine } from './bench-engine.ts';
import type { Scratch } from './measure.ts';

/** Each simulated second is cut into this many slices; each worker heartbeats in its own slice. */
const SLICES_PER_SECOND = 10;

/**
 * Workers that each run one attempt and heartbeat once per simulated second, on an engine over
 * SQLite with a manual clock. Workers are spread over the second, as real ones drift apart, so
 * the throttle's appends do not all fall into one instant.
 */
export interface HeartbeatFleet {
  readonly engine: Engine;
  readonly store: EventStore;
  readonly workers: readonly { workerId: string; running: AttemptRef[] }[];
  /** One simulated second: every worker heartbeats once, and the second ends with a tick. */
  runSecond(): Promise<void>;
  close(): Promise<void>;
}

export async function startHeartbeatFleet(
  scratch: Scratch,
  name: string,
  size: number,
): Promise<HeartbeatFleet> {
  const clock: ManualClock = createManualClock();
  const store = createSqliteStore(scratch.file(`${name}.db`));
  const engine = createBenchEngine(store, clock);
  await engine.start();

  // 1. One running attempt per worker.
  const workers: { workerId: string; running: AttemptRef[] }[] = [];
  for (let i = 0; i < size; i++) {
    const outcome = await engine.enqueue({ rolloutId: `${name}-${i}`, input: { i } });
    if (!outcome.ok) throw new Error(`enqueue rejected: ${outcome.rejection.code}`);
    const workerId = `${name}-worker-${i}`;
    const claimed = await engine.claim(workerId);
    if (!claimed) throw new Error(`${workerId} found nothing to claim`);
    workers.push({
      workerId,
      running: [{ rolloutId: claimed.rolloutId, attemptId: claimed.attemptId }],
    });
  }

  // 2. Slice s of each second holds the workers whose index is s modulo the slice count.
  const sliceMs = 1_000 / SLICES_PER_SECOND;
  const slices = Array.from({ length: SLICES_PER_SECOND }, (_, slice) =>
    workers.filter((_worker, index) => index % SLICES_PER_SECOND === slice),
  );
  return {
    engine,
    store,
    workers,
    async runSecond() {
      for (const [slice, members] of slices.entries()) {
        await Promise.all(members.map((w) => engine.heartbeat(w.workerId, w.running)));
        if (slice < SLICES_PER_SECOND - 1) clock.advance(sliceMs);
      }
      const advanced = await engine.advanceClock(sliceMs);
      if (!advanced.ok) throw new Error(advanced.rejection.message);
    },
    async close() {
      await engine.stop();
      await store.close();
    },
  };
}
