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
  /** Each event that passed its schema, as received, right after the read models include it. */
  readonly projected$: Observable<PositionedEvent>;
  /** Events skipped because they failed their schema (not Vigil's, or corrupt). */
  rejectedCount(): number;
  stop(): void;
}

// Each type's own schema, found by the type the store recorded. The runner builds `{ type, data }`
// itself, so checking `data` against that schema's data part is checking the whole event, minus
// the union's dispatch and the wrapper object.
const eventSchemas = new Map<string, (typeof VigilEvent.options)[number]>(
  VigilEvent.options.map((schema) => [schema.shape.type.value, schema]),
);

/** The event if it passes its schema, else why it fails. */
function parseEvent(stored: PositionedEvent): VigilEvent | { reason: string } {
  const schema = eventSchemas.get(stored.type);
  if (!schema) {
    const parsed = VigilEvent.safeParse({ type: stored.type, data: stored.data });
    return parsed.success ? parsed.data : { reason: parsed.error.message };
  }
  const data = schema.shape.data.safeParse(stored.data);
  // The data passed the schema of the very type it is paired with.
  return data.success
    ? ({ type: stored.type, data: data.data } as VigilEvent)
    : { reason: data.error.message };
}

interface Waiter {
  position: number;
  resolve: () => void;
  reject: (error: Error) => void;
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
  const projected$ = new Subject<PositionedEvent>();
  let waiters: Waiter[] = [];
  // The lowest position a waiter waits for, so that most events release nobody at no cost.
  let nextDue = Infinity;
  let position = -1;
  let rejected = 0;
  let failure: Error | undefined;

  const release = (): void => {
    const due = waiters.filter((w) => w.position <= position);
    waiters = waiters.filter((w) => w.position > position);
    nextDue = waiters.reduce((lowest, w) => Math.min(lowest, w.position), Infinity);
    for (const waiter of due) waiter.resolve();
  };

  const fail = (error: Error): void => {
    failure = error;
    for (const waiter of waiters) waiter.reject(error);
    waiters = [];
    nextDue = Infinity;
  };

  const subscription: Subscription = events$.subscribe({
    next(stored) {
      const event = parseEvent(stored);
      position = stored.position;
      if ('type' in event) {
        applyEvent(models, event);
        projected$.next(stored);
      } else {
        rejected += 1;
        onRejected(stored, event.reason);
      }
      if (position >= nextDue) release();
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
      return new Promise((resolve, reject) => {
        waiters.push({ position: target, resolve, reject });
        nextDue = Math.min(nextDue, target);
      });
    },
    stop() {
      subscription.unsubscribe();
      projected$.complete();
      fail(new Error('the projection runner stopped'));
    },
  };
}
