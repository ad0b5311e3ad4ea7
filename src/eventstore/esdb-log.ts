import {
  BACKWARDS,
  END,
  FORWARDS,
  type AllStreamResolvedEvent,
  type Direction,
  type EventStoreDBClient,
  type ReadPosition,
  type StreamingRead,
} from '@eventstore/db-client';
import {
  allStartAfter,
  isVigilRecord,
  positionInAll,
  refusesPosition,
  toClientPosition,
  toStoredEvent,
  type StreamNamespace,
} from './esdb-mapping.ts';
import type { StoredEvent } from './port.ts';

/**
 * The global log as Vigil sees it: `$all` holds system events and other namespaces too, and
 * version 6 of the client cannot filter reads of `$all` on the server, so these read records in
 * batches and keep Vigil's events.
 */
export interface VigilLog {
  /** At most `maxCount` of Vigil's events with a position greater than `after`, in order. */
  page(after: number, maxCount: number): Promise<StoredEvent[]>;
  /** The position of Vigil's newest event, or -1 when there is none. */
  head(): Promise<number>;
  /**
   * A position at or before `after` at which EventStoreDB can start reading (-1: the start),
   * with no record between it and `after`. The port accepts any number as a starting point
   * (say `head - 1`), but EventStoreDB starts a read of `$all` only at a record.
   */
  anchor(after: number): Promise<number>;
}

// Records per round trip; a read of $all returns whole events, payloads included.
const BATCH = 256;

// headPosition is asked for on every query, and Vigil's ticks keep its newest event near the
// end of $all: a small first batch usually answers in one short round trip.
const FIRST_BACKWARD_BATCH = 16;

async function collect<E>(read: StreamingRead<E>): Promise<E[]> {
  const items: E[] = [];
  for await (const item of read) items.push(item);
  return items;
}

export function vigilLog(client: EventStoreDBClient, namespace: StreamNamespace): VigilLog {
  function readBatch(
    from: ReadPosition,
    direction: Direction,
    maxCount = BATCH,
  ): Promise<AllStreamResolvedEvent[]> {
    return collect(client.readAll({ fromPosition: from, direction, maxCount }));
  }

  // Scans $all from its end for the first record `wanted` accepts; a read backwards from a
  // position may or may not include the record at it, hence the cursor check.
  async function findBackwards(
    wanted: (resolved: AllStreamResolvedEvent, position: number) => boolean,
  ): Promise<number> {
    let from: ReadPosition = END;
    let size = FIRST_BACKWARD_BATCH;
    let cursor = Infinity;
    for (;;) {
      const batch = await readBatch(from, BACKWARDS, size);
      for (const resolved of batch) {
        const position = positionInAll(resolved);
        if (position >= cursor) continue;
        cursor = position;
        if (wanted(resolved, position)) return position;
      }
      if (batch.length < size) return -1;
      from = toClientPosition(cursor);
      size = BATCH;
    }
  }

  const newestRecordAtOrBefore = (after: number): Promise<number> =>
    findBackwards((_, position) => position <= after);

  async function firstBatchAfter(after: number): Promise<AllStreamResolvedEvent[]> {
    try {
      return await readBatch(allStartAfter(after), FORWARDS);
    } catch (error) {
      if (after < 0 || !refusesPosition(error)) throw error;
    }
    return readBatch(allStartAfter(await newestRecordAtOrBefore(after)), FORWARDS);
  }

  return {
    // A read of $all from a position includes the record at it, hence the cursor check.
    async page(after, maxCount) {
      const page: StoredEvent[] = [];
      let cursor = after;
      let batch = await firstBatchAfter(after);
      for (;;) {
        let last = cursor;
        for (const resolved of batch) {
          last = positionInAll(resolved);
          if (last <= cursor) continue;
          cursor = last;
          const event = toStoredEvent(resolved.event, namespace, resolved.commitPosition);
          if (event) page.push(event);
          if (page.length === maxCount) return page;
        }
        if (batch.length < BATCH) return page;
        batch = await readBatch(allStartAfter(last), FORWARDS);
      }
    },

    head() {
      return findBackwards((resolved) =>
        resolved.event ? isVigilRecord(resolved.event, namespace) : false,
      );
    },

    async anchor(after) {
      if (after < 0) return -1;
      try {
        await readBatch(toClientPosition(after), FORWARDS, 1);
        return after;
      } catch (error) {
        if (!refusesPosition(error)) throw error;
      }
      return newestRecordAtOrBefore(after);
    },
  };
}
