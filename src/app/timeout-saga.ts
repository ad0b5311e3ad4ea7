import { concatMap, from, type Subscription } from 'rxjs';
import { TICKS_STREAM, Ticked } from '../domain/index.ts';
import type { EventStore } from '../eventstore/port.ts';

export interface StaleCandidate {
  rolloutId: string;
  attemptId: string;
  workerId: string;
}

export interface TimeoutSaga {
  /** Resolves once the saga has acted on every tick up to this global position. */
  waitFor(position: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Reacts to live ticks: waits until the read models include the tick, lists the attempts that
 * look stale at the tick's time, and sends each a timeout command. The command handler decides
 * again from the streams, so a stale-looking candidate that heartbeated meanwhile is left alone.
 */
export async function startTimeoutSaga(options: {
  store: EventStore;
  waitForProjection: (position: number) => Promise<void>;
  findStale: (at: number) => StaleCandidate[];
  timeOut: (candidate: StaleCandidate, at: number) => Promise<void>;
  onError: (error: unknown) => void;
}): Promise<TimeoutSaga> {
  const { store, waitForProjection, findStale, timeOut, onError } = options;
  let processed = -1;
  let waiters: { position: number; resolve: () => void }[] = [];
  let current: Promise<void> = Promise.resolve();

  const actOnTick = async (position: number, data: unknown): Promise<void> => {
    try {
      // 1. The decision must see every event committed before the tick.
      await waitForProjection(position);

      // 2. Pick the attempts that look stale and let the handler decide each one.
      const { at } = Ticked.shape.data.parse(data);
      for (const candidate of findStale(at)) {
        // One failed decision must not keep the others from being made.
        await timeOut(candidate, at).catch(onError);
      }
    } catch (error) {
      onError(error);
    } finally {
      processed = position;
      const due = waiters.filter((w) => w.position <= position);
      waiters = waiters.filter((w) => w.position > position);
      for (const waiter of due) waiter.resolve();
    }
  };

  // Only ticks from now on matter: old ticks were acted on by whoever was running then.
  const [lastTick] = await store.read(TICKS_STREAM, { direction: 'backwards', maxCount: 1 });
  const subscription: Subscription = store
    .subscribeToStream(TICKS_STREAM, { fromRevision: lastTick ? lastTick.revision + 1 : 0 })
    .pipe(concatMap((tick) => from((current = actOnTick(tick.position, tick.data)))))
    .subscribe({ error: onError });

  return {
    waitFor(position) {
      if (position <= processed) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ position, resolve }));
    },
    async stop() {
      subscription.unsubscribe();
      for (const waiter of waiters) waiter.resolve();
      waiters = [];
      await current;
    },
  };
}
