import { createFeedHub } from './event-feed.ts';
import {
  StoreUnavailableError,
  type AppendResult,
  type EventStore,
  type StoredEvent,
} from './port.ts';
import {
  assertMaxCount,
  checkExpectedRevision,
  encodeAppend,
  planReadAll,
  planStreamRead,
} from './store-input.ts';

/** A stored event as the memory store keeps it: frozen, with the time as a number. */
interface Entry {
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Record<string, unknown>;
  readonly recordedAtMs: number;
}

/** The events a stream still keeps; `events[0]` has revision `first`. */
interface StreamEntries {
  first: number;
  events: Entry[];
  maxCount: number | undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function parseFrozen(json: string): unknown {
  return deepFreeze(JSON.parse(json));
}

// A fresh wrapper and Date per read, so no caller can change what another caller sees.
function toStoredEvent(entry: Entry): StoredEvent {
  return {
    stream: entry.stream,
    revision: entry.revision,
    position: entry.position,
    type: entry.type,
    data: entry.data,
    metadata: entry.metadata,
    recordedAt: new Date(entry.recordedAtMs),
  };
}

function lastRevision(entries: StreamEntries | undefined): number {
  return entries ? entries.first + entries.events.length - 1 : -1;
}

/**
 * An event store held in this process's memory, for tests and demos: everything is lost when
 * the process ends. Payloads are copied through JSON and frozen, so callers cannot change
 * stored events.
 */
export function createMemoryStore(): EventStore {
  const name = 'memory';
  // Index = global position; a slot becomes undefined when its stream trims the event.
  const log: (Entry | undefined)[] = [];
  const streams = new Map<string, StreamEntries>();
  const feed = createFeedHub(name, { readLog, readStream });
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new StoreUnavailableError(`${name} store is closed`);
  }

  function trim(entries: StreamEntries): void {
    if (entries.maxCount === undefined) return;
    const excess = entries.events.length - entries.maxCount;
    if (excess <= 0) return;
    for (const removed of entries.events.splice(0, excess)) log[removed.position] = undefined;
    entries.first += excess;
  }

  function readStream(stream: string, afterRevision: number, limit: number): StoredEvent[] {
    const entries = streams.get(stream);
    if (!entries) return [];
    const start = Math.max(afterRevision + 1 - entries.first, 0);
    return entries.events.slice(start, start + limit).map(toStoredEvent);
  }

  function readLog(after: number, limit: number): StoredEvent[] {
    const page: StoredEvent[] = [];
    for (let position = after + 1; position < log.length && page.length < limit; position++) {
      const entry = log[position];
      if (entry) page.push(toStoredEvent(entry));
    }
    return page;
  }

  return {
    name,

    async append(stream, events, { expectedRevision }): Promise<AppendResult> {
      assertOpen();
      const encoded = encodeAppend(stream, events, expectedRevision);
      const existing = streams.get(stream);
      checkExpectedRevision(stream, expectedRevision, lastRevision(existing));

      const entries = existing ?? { first: 0, events: [], maxCount: undefined };
      const recordedAtMs = Date.now();
      let revision = lastRevision(existing);
      for (const event of encoded) {
        revision += 1;
        const entry: Entry = Object.freeze({
          stream,
          revision,
          position: log.length,
          type: event.type,
          data: parseFrozen(event.data),
          metadata: deepFreeze<Record<string, unknown>>(JSON.parse(event.metadata)),
          recordedAtMs,
        });
        log.push(entry);
        entries.events.push(entry);
      }
      streams.set(stream, entries);
      trim(entries);

      feed.notify(stream);
      return { revision, position: log.length - 1 };
    },

    async read(stream, options) {
      assertOpen();
      const plan = planStreamRead(stream, options);
      if (!plan.backwards) return readStream(stream, (plan.fromRevision ?? 0) - 1, plan.maxCount);
      const entries = streams.get(stream);
      if (!entries) return [];
      const end = Math.min(
        (plan.fromRevision ?? Infinity) - entries.first,
        entries.events.length - 1,
      );
      const start = Math.max(end - plan.maxCount + 1, 0);
      return entries.events
        .slice(start, end + 1)
        .reverse()
        .map(toStoredEvent);
    },

    async readAll(options) {
      assertOpen();
      const { after, maxCount } = planReadAll(options);
      return readLog(after, maxCount);
    },

    async headPosition() {
      assertOpen();
      return log.length - 1;
    },

    subscribeToAll: feed.subscribeToAll,
    subscribeToStream: feed.subscribeToStream,

    async setStreamMaxCount(stream, maxCount) {
      assertOpen();
      assertMaxCount(stream, maxCount);
      const entries = streams.get(stream) ?? { first: 0, events: [], maxCount };
      entries.maxCount = maxCount;
      streams.set(stream, entries);
      trim(entries);
    },

    async close() {
      closed = true;
      feed.close();
    },
  };
}
