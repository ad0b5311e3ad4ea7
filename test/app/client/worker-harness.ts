import type { WorkerEvent } from '../../../src/app/client/worker-options.ts';

type EventOf<T extends WorkerEvent['type']> = Extract<WorkerEvent, { type: T }>;

/** Records a worker's events and lets a test await them in order, without sleeping. */
export function recordEvents() {
  const events: WorkerEvent[] = [];
  const consumed = new Map<string, number>();
  const waiters: (() => void)[] = [];

  function ofType<T extends WorkerEvent['type']>(type: T): EventOf<T>[] {
    return events.filter((event): event is EventOf<T> => event.type === type);
  }

  return {
    events,
    ofType,
    onEvent(event: WorkerEvent): void {
      events.push(event);
      for (const wake of waiters.splice(0)) wake();
    },
    /** The next event of `type` that no earlier `next(type)` returned. */
    async next<T extends WorkerEvent['type']>(type: T): Promise<EventOf<T>> {
      const index = consumed.get(type) ?? 0;
      consumed.set(type, index + 1);
      for (;;) {
        const event = ofType(type)[index];
        if (event) return event;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

/** A promise the test settles by hand. */
export function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

/** A fetch that counts requests and can lose the answer to the next completion it sends. */
export function instrumentedFetch() {
  let loseNextCompletionAnswer = false;
  const requests: string[] = [];
  const wrapped: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`);
    const response = await fetch(input, init);
    if (loseNextCompletionAnswer && url.endsWith('/complete')) {
      loseNextCompletionAnswer = false;
      await response.text();
      throw new TypeError('fetch failed', { cause: new Error('socket hang up') });
    }
    return response;
  };
  return {
    fetch: wrapped,
    requests,
    loseNextCompletionAnswer: () => {
      loseNextCompletionAnswer = true;
    },
  };
}
