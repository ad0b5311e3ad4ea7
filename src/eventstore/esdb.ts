import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  type EventStoreDBClient,
  type ReadableSubscription,
  type RecordedEvent,
} from '@eventstore/db-client';
import { pino } from 'pino';
import {
  Observable,
  ReplaySubject,
  defer,
  filter,
  retry,
  switchMap,
  takeUntil,
  tap,
  throwError,
  timer,
} from 'rxjs';
import {
  connectEsdb,
  parseEsdbConnectionString,
  reconnectDelayMs,
  type EsdbConnectionSettings,
} from './esdb-connection.ts';
import { vigilLog } from './esdb-log.ts';
import {
  allStartAfter,
  isStreamNotFound,
  streamNamespace,
  streamStartAfter,
  toClientExpectedRevision,
  toEventData,
  toPortNumber,
  toStoreError,
  toStoredEvent,
  type StreamNamespace,
} from './esdb-mapping.ts';
import { StoreUnavailableError, type EventStore, type StoredEvent } from './port.ts';
import {
  assertMaxCount,
  encodeAppend,
  planReadAll,
  planStreamRead,
  subscriptionStartAfter,
  subscriptionStartRevision,
} from './store-input.ts';

const logger = pino({ name: 'vigil-esdb' });

/** What both stream and `$all` reads and subscriptions hand over for each event. */
interface Resolved {
  event?: RecordedEvent;
  commitPosition?: bigint;
}

/** A client subscription as an Observable of Vigil's events; the client's errors pass through. */
function subscriptionEvents<R extends Resolved>(
  open: () => ReadableSubscription<R>,
  namespace: StreamNamespace,
): Observable<StoredEvent> {
  return new Observable<StoredEvent>((subscriber) => {
    const subscription = open();
    subscription.on('data', (resolved: R) => {
      try {
        const event = toStoredEvent(resolved.event, namespace, resolved.commitPosition);
        if (event) subscriber.next(event);
      } catch (error) {
        subscriber.error(error);
      }
    });
    subscription.on('error', (error: Error) => subscriber.error(error));
    subscription.on('end', () => {
      subscriber.error(new StoreUnavailableError('EventStoreDB ended the subscription'));
    });
    return () => {
      subscription.unsubscribe().catch(() => undefined);
    };
  });
}

/**
 * Opens an EventStoreDB or KurrentDB store from an `esdb://`, `esdb+discover://`,
 * `kurrentdb://` or `kurrentdb+discover://` connection string, and checks that the server
 * answers. Throws an Error for a malformed string and a StoreUnavailableError when the server
 * cannot be used, both with a message that says why.
 */
export async function createEsdbStore(connectionString: string): Promise<EventStore> {
  const settings = parseEsdbConnectionString(connectionString);
  const client = await connectEsdb(settings);
  return esdbStore(client, settings);
}

function esdbStore(client: EventStoreDBClient, settings: EsdbConnectionSettings): EventStore {
  const name = settings.displayName;
  const namespace = streamNamespace(settings.streamPrefix);
  const globalLog = vigilLog(client, namespace);
  const closing = new ReplaySubject<void>(1);
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new StoreUnavailableError(`${name} is closed`);
  }

  function resubscribeAfter(error: unknown, attempt: number): Observable<number> {
    const storeError = toStoreError(error, `subscription on ${name}`);
    if (!(storeError instanceof StoreUnavailableError)) return throwError(() => storeError);
    const delayMs = reconnectDelayMs(attempt);
    logger.warn(
      { store: name, attempt, delayMs, reason: storeError.message },
      'EventStoreDB subscription dropped, resubscribing',
    );
    return timer(delayMs);
  }

  // Resubscribes after the last event delivered while the server is unreachable, so a restart
  // of EventStoreDB costs subscribers neither an event nor a duplicate. `anchorOf` turns the
  // caller's starting point into one EventStoreDB can start at; events up to it are dropped.
  function follow<R extends Resolved>(
    start: number,
    anchorOf: (after: number) => Promise<number>,
    open: (after: number) => ReadableSubscription<R>,
    cursorOf: (event: StoredEvent) => number,
  ): Observable<StoredEvent> {
    return defer(() => {
      if (closed) return throwError(() => new StoreUnavailableError(`${name} is closed`));
      let cursor = start;
      let from: number | undefined;
      const startPoint = defer(async () => {
        from ??= await anchorOf(cursor);
        return from;
      });
      return startPoint.pipe(
        switchMap((after) => subscriptionEvents(() => open(after), namespace)),
        filter((event) => cursorOf(event) > cursor),
        tap((event) => {
          cursor = cursorOf(event);
          from = cursor;
        }),
        retry({ resetOnSuccess: true, delay: resubscribeAfter }),
        takeUntil(closing),
      );
    });
  }

  return {
    name,

    async append(stream, events, { expectedRevision }) {
      assertOpen();
      // Checked exactly as the other stores check it; the client serialises the payloads itself.
      encodeAppend(stream, events, expectedRevision);

      let result;
      try {
        result = await client.appendToStream(namespace.toEsdb(stream), events.map(toEventData), {
          expectedRevision: toClientExpectedRevision(expectedRevision),
        });
      } catch (error) {
        const conflict = { stream, expected: expectedRevision };
        throw toStoreError(error, `append to ${stream} on ${name}`, conflict);
      }

      if (result.position === undefined) {
        throw new Error(`EventStoreDB acknowledged the append to ${stream} without a position`);
      }
      return {
        revision: toPortNumber(result.nextExpectedRevision, 'revision'),
        position: toPortNumber(result.position.commit, 'position'),
      };
    },

    async read(stream, options) {
      assertOpen();
      const plan = planStreamRead(stream, options);
      if (plan.maxCount === 0) return [];

      const defaultStart = plan.backwards ? END : START;
      const read = client.readStream(namespace.toEsdb(stream), {
        direction: plan.backwards ? BACKWARDS : FORWARDS,
        fromRevision: plan.fromRevision === undefined ? defaultStart : BigInt(plan.fromRevision),
        ...(Number.isFinite(plan.maxCount) ? { maxCount: plan.maxCount } : {}),
      });
      const events: StoredEvent[] = [];
      try {
        for await (const resolved of read) {
          const event = toStoredEvent(resolved.event, namespace, resolved.commitPosition);
          if (event) events.push(event);
        }
      } catch (error) {
        // The client reports a missing stream while iterating, not when the read starts.
        if (isStreamNotFound(error)) return [];
        throw toStoreError(error, `read ${stream} on ${name}`);
      }
      return events;
    },

    async readAll(options) {
      assertOpen();
      const { after, maxCount } = planReadAll(options);
      if (maxCount === 0) return [];
      try {
        return await globalLog.page(after, maxCount);
      } catch (error) {
        throw toStoreError(error, `read $all on ${name}`);
      }
    },

    async headPosition() {
      assertOpen();
      try {
        return await globalLog.head();
      } catch (error) {
        throw toStoreError(error, `read the head of $all on ${name}`);
      }
    },

    subscribeToAll(options = {}) {
      const start = subscriptionStartAfter(options.after);
      const filterToVigil = namespace.filter();
      return follow(
        start,
        (after) => globalLog.anchor(after),
        (after) =>
          client.subscribeToAll({ fromPosition: allStartAfter(after), filter: filterToVigil }),
        (event) => event.position,
      );
    },

    subscribeToStream(stream, options = {}) {
      const start = subscriptionStartRevision(stream, options.fromRevision);
      // Any revision is a valid place to start a stream subscription.
      return follow(
        start,
        async (after) => after,
        (after) =>
          client.subscribeToStream(namespace.toEsdb(stream), {
            fromRevision: streamStartAfter(after),
          }),
        (event) => event.revision,
      );
    },

    async setStreamMaxCount(stream, maxCount) {
      assertOpen();
      assertMaxCount(stream, maxCount);
      try {
        await client.setStreamMetadata(namespace.toEsdb(stream), { maxCount });
      } catch (error) {
        throw toStoreError(error, `set the retention of ${stream} on ${name}`);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      closing.next();
      await client.dispose();
    },
  };
}
