import { TICKS_STREAM } from '../domain/index.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { Clock } from './clock.ts';

/** Ticks kept in the `ticks` stream; the saga reacts to live ticks only. */
export const TICKS_KEPT = 1000;

/** Longest run of ticks one manual advance appends; longer advances space them out. */
const MAX_TICKS_PER_ADVANCE = 1000;

export interface Ticker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Appends the ticks that fell due since the last one, the last at the clock's now; answers its position. */
  catchUp(): Promise<number | undefined>;
}

/**
 * Appends `Ticked { at }` to the tick stream: every interval on the system clock, and on demand
 * (through `catchUp`) on a manual clock.
 */
export function createTicker(options: {
  store: EventStore;
  clock: Clock;
  intervalMs: number;
  onError: (error: unknown) => void;
}): Ticker {
  const { store, clock, intervalMs, onError } = options;
  let lastTickAt = clock.now();
  let timer: NodeJS.Timeout | undefined;
  let appending: Promise<unknown> = Promise.resolve();

  const appendTicks = async (times: number[]): Promise<number> => {
    const events = times.map((at) => ({ type: 'Ticked', data: { at } }));
    const { position } = await store.append(TICKS_STREAM, events, { expectedRevision: 'any' });
    return position;
  };

  // Ticks are appended one batch at a time, so their times never go backwards.
  const enqueue = <T>(task: () => Promise<T>): Promise<T> => {
    const run = appending.catch(() => undefined).then(task);
    appending = run;
    return run;
  };

  const catchUp = (): Promise<number | undefined> =>
    enqueue(async () => {
      const now = clock.now();
      if (now <= lastTickAt) return undefined;
      const step = Math.max(intervalMs, Math.ceil((now - lastTickAt) / MAX_TICKS_PER_ADVANCE));
      const times: number[] = [];
      for (let at = lastTickAt + step; at < now; at += step) times.push(at);
      times.push(now);
      const position = await appendTicks(times);
      lastTickAt = now;
      return position;
    });

  return {
    async start() {
      lastTickAt = clock.now();
      await store.setStreamMaxCount(TICKS_STREAM, TICKS_KEPT);
      if (clock.kind !== 'system') return;
      timer = setInterval(() => {
        enqueue(async () => {
          const now = clock.now();
          await appendTicks([now]);
          lastTickAt = now;
        }).catch(onError);
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await appending.catch(() => undefined);
    },
    catchUp,
  };
}
