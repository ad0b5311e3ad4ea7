import { Subject, type Observable, type Subscription } from 'rxjs';
import { VigilEvent } from '../domain/index.ts';
import { applyEvent, createReadModels, type ReadModels } from './read-models.ts';

/** An event as the runner receives it from a store subscription. */
export interface PositionedEvent {
  position: number;
  type: string;
  data: unknown;
}

export interface ProjectionRunner {
  readonly models: ReadModels;
  /** Global position of the last event folded in; -1 before any. */
  position(): number;
  /** Resolves once every event up to `position` is folded in. */
  waitFor(position: number): Promise<void>;
  /** Each event, right after the read models include it. */
  readonly projected$: Observable<PositionedEvent & { event: VigilEvent }>;
  /** Events skipped because they failed their schema (not Vigil's, or corrupt). */
  rejectedCount(): number;
  stop(): void;
}

/**
 * Feeds the read models from a subscription to the global log. The models live in memory and
 * are rebuilt from the start of the log each time the engine starts.
 */
export function startProjectionRunner(
  events$: Observable<PositionedEvent>,
  onRejected: (event: PositionedEvent, reason: string) => void = () => undefined,
): ProjectionRunner {
  const models = createReadModels();
  const projected$ = new Subject<PositionedEvent & { event: VigilEvent }>();
  let waiters: { position: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  let position = -1;
  let rejected = 0;
  let failure: Error | undefined;

  const release = (): void => {
    if (waiters.length === 0) return;
    const due = waiters.filter((w) => w.position <= position);
    waiters = waiters.filter((w) => w.position > position);
    for (const waiter of due) waiter.resolve();
  };

  const fail = (error: Error): void => {
    failure = error;
    for (const waiter of waiters) waiter.reject(error);
    waiters = [];
  };

  const subscription: Subscription = events$.subscribe({
    next(stored) {
      const parsed = VigilEvent.safeParse({ type: stored.type, data: stored.data });
      position = stored.position;
      if (parsed.success) {
        applyEvent(models, parsed.data);
        projected$.next({ ...stored, event: parsed.data });
      } else {
        rejected += 1;
        onRejected(stored, parsed.error.message);
      }
      release();
    },
    error: (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
    complete: () => fail(new Error('the store subscription ended')),
  });

  return {
    models,
    projected$: projected$.asObservable(),
    position: () => position,
    rejectedCount: () => rejected,
    waitFor(target) {
      if (target <= position) return Promise.resolve();
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiters.push({ position: target, resolve, reject }));
    },
    stop() {
      subscription.unsubscribe();
      projected$.complete();
      fail(new Error('the projection runner stopped'));
    },
  };
}
