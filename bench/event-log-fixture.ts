import { WORKER_EVENTS_KEPT } from '../src/app/engine-context.ts';
import { TICKS_KEPT } from '../src/app/ticker.ts';
import {
  rolloutStream,
  TICKS_STREAM,
  workerStream,
  type RolloutEvent,
  type WorkerEvent,
} from '../src/domain/index.ts';
import type { EventStore } from '../src/eventstore/port.ts';
import { runConcurrently } from './measure.ts';

/** The shape of a stored log as the engine writes it, sized by how many events and attempts. */
export interface FixtureShape {
  events: number;
  attempts: number;
  workers: number;
  /** One rollout in this many times out on its first attempt and succeeds on its second. */
  timeoutEvery: number;
}

export interface FixtureSummary {
  events: number;
  attempts: number;
  rollouts: number;
  workers: number;
  heartbeats: number;
}

const START = Date.UTC(2026, 0, 1);
const HEARTBEAT_MS = 7_500;

// Ids look like the engine's (UUIDs), so the read models hold strings of realistic length.
const uuid = (kind: number, n: number): string =>
  `0000000${kind}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

const commit = (n: number): string => (n * 2_654_435_761).toString(16).padStart(40, 'a').slice(-40);

interface Plan {
  rollouts: number;
  /** Rollout r appends a tick when r is a multiple of this (the tick stream stays untrimmed). */
  tickEvery: number;
  /** Heartbeats of attempt `a`: `base`, plus one for the first `extra` attempts. */
  base: number;
  extra: number;
}

/** How many of each thing the log holds so that it has exactly `shape.events` events. */
function planLog(shape: FixtureShape): Plan {
  // A rollout with one attempt writes 4 events; one that timed out once writes 3 more.
  const rollouts = Math.round((shape.attempts * shape.timeoutEvery) / (shape.timeoutEvery + 1));
  const retried = shape.attempts - rollouts;
  const tickEvery = Math.ceil(rollouts / TICKS_KEPT);
  const ticks = Math.ceil(rollouts / tickEvery);
  const other = rollouts * 4 + retried * 3 + shape.workers + ticks;
  const heartbeats = shape.events - other;
  const base = Math.floor(heartbeats / shape.attempts);
  const perWorker = (shape.attempts / shape.workers) * (base + 1) + 1;
  if (heartbeats < 0 || perWorker > WORKER_EVENTS_KEPT) {
    throw new Error('fixture shape leaves no room for heartbeats within worker retention');
  }
  return { rollouts, tickEvery, base, extra: heartbeats - base * shape.attempts };
}

/**
 * Writes a log the way the engine would (rollout lifecycles, registrations with the engine's
 * retention on worker streams, throttled heartbeats naming the attempt, a full tick stream)
 * through the store's own `append`, several rollouts at a time. Every event passes its schema.
 */
export async function writeEventLogFixture(
  store: EventStore,
  shape: FixtureShape,
): Promise<FixtureSummary> {
  const plan = planLog(shape);
  let attemptCount = 0;
  let heartbeatCount = 0;
  const registered = new Set<number>();

  const appendWorker = async (worker: number, events: WorkerEvent[]): Promise<void> => {
    if (!registered.has(worker)) {
      registered.add(worker);
      const workerId = uuid(2, worker);
      await store.setStreamMaxCount(workerStream(workerId), WORKER_EVENTS_KEPT);
      const at = START + worker;
      events.unshift({ type: 'WorkerRegistered', data: { workerId, at } });
    }
    await store.append(workerStream(uuid(2, worker)), events, { expectedRevision: 'any' });
  };

  // One attempt: started, heartbeating, then ended by `end` (succeeded or timed out).
  const runAttempt = async (
    rolloutId: string,
    attemptNumber: number,
    at: number,
    revision: number,
    end: (attempt: {
      attemptId: string;
      workerId: string;
      lastHeartbeatAt: number;
    }) => RolloutEvent[],
  ): Promise<number> => {
    const index = attemptCount++;
    const worker = index % shape.workers;
    const workerId = uuid(2, worker);
    const attemptId = uuid(3, index);
    const stream = rolloutStream(rolloutId);
    const started: RolloutEvent = {
      type: 'AttemptStarted',
      data: { rolloutId, attemptId, attemptNumber, workerId, at },
    };
    await store.append(stream, [started], { expectedRevision: revision });

    const beats = plan.base + (index < plan.extra ? 1 : 0);
    const heartbeats: WorkerEvent[] = Array.from({ length: beats }, (_, k) => ({
      type: 'WorkerHeartbeated',
      data: { workerId, activeAttempts: [{ rolloutId, attemptId }], at: at + k * HEARTBEAT_MS },
    }));
    heartbeatCount += beats;
    await appendWorker(worker, heartbeats);

    const lastHeartbeatAt = at + (beats - 1) * HEARTBEAT_MS;
    const ended = end({ attemptId, workerId, lastHeartbeatAt });
    const result = await store.append(stream, ended, { expectedRevision: revision + 1 });
    return result.revision;
  };

  const runRollout = async (r: number): Promise<void> => {
    const rolloutId = uuid(1, r);
    let at = START + r * 10;
    const input = { repository: `service-${r % 500}`, commit: commit(r) };
    const enqueued: RolloutEvent = {
      type: 'RolloutEnqueued',
      data: { rolloutId, input, maxAttempts: 3, at },
    };
    let revision = (
      await store.append(rolloutStream(rolloutId), [enqueued], {
        expectedRevision: 'no_stream',
      })
    ).revision;

    if (r % shape.timeoutEvery === 0) {
      revision = await runAttempt(rolloutId, 1, at, revision, (a) => {
        const timedOutAt = a.lastHeartbeatAt + 30_001;
        const silentForMs = timedOutAt - a.lastHeartbeatAt;
        return [
          {
            type: 'AttemptTimedOut',
            data: { rolloutId, ...a, at: timedOutAt, silentForMs, reason: 'heartbeat' },
          },
          { type: 'RolloutRequeued', data: { rolloutId, at: timedOutAt } },
        ];
      });
      at += 60_000;
    }
    await runAttempt(rolloutId, r % shape.timeoutEvery === 0 ? 2 : 1, at, revision, (a) => {
      const endedAt = a.lastHeartbeatAt + 1_000;
      const output = { durationMs: endedAt - at };
      return [
        { type: 'AttemptSucceeded', data: { rolloutId, ...a, output, at: endedAt } },
        { type: 'RolloutSucceeded', data: { rolloutId, output, at: endedAt } },
      ];
    });

    if (r % plan.tickEvery === 0) {
      await store.append(TICKS_STREAM, [{ type: 'Ticked', data: { at } }], {
        expectedRevision: 'any',
      });
    }
  };

  await store.setStreamMaxCount(TICKS_STREAM, TICKS_KEPT);
  await runConcurrently(plan.rollouts, 32, runRollout);
  const events = (await store.headPosition()) + 1;
  return {
    events,
    attempts: attemptCount,
    rollouts: plan.rollouts,
    workers: registered.size,
    heartbeats: heartbeatCount,
  };
}
