import Database from 'better-sqlite3';
import { createFeedHub } from './event-feed.ts';
import {
  ConcurrencyError,
  StoreUnavailableError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type StoredEvent,
} from './port.ts';
import {
  createAppendBatcher,
  retryWhileBusy,
  type BusyPolicy,
  type PendingAppend,
} from './sqlite-append-batch.ts';
import {
  asStoreError,
  DEFAULT_BUSY_TIMEOUT_MS,
  openStoreDatabase,
  type SqliteSync,
} from './sqlite-schema.ts';
import {
  assertMaxCount,
  checkExpectedRevision,
  encodeAppend,
  planReadAll,
  planStreamRead,
  type EncodedEvent,
} from './store-input.ts';

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /** `normal` (default) survives a process crash; `full` also survives a power loss. */
  sync?: SqliteSync;
  /** How long to wait for another process's write lock before failing; default 5,000 ms. */
  busyTimeoutMs?: number;
}

// Rows come back as arrays (better-sqlite3 raw mode), in COLUMNS order: cheaper than objects
// when a replay reads millions of them.
type EventRow = [
  position: number,
  stream: string,
  revision: number,
  type: string,
  data: string,
  metadata: string,
  recordedAt: number,
];

const COLUMNS = 'position, stream, revision, type, data, metadata, recorded_at';

// SQLite reads a negative LIMIT as "no limit".
const sqlLimit = (maxCount: number): number => (Number.isFinite(maxCount) ? maxCount : -1);

const NO_METADATA = '{}';

function toStoredEvent([
  position,
  stream,
  revision,
  type,
  data,
  metadata,
  recordedAt,
]: EventRow): StoredEvent {
  return {
    stream,
    revision,
    position,
    type,
    data: JSON.parse(data),
    metadata: metadata === NO_METADATA ? {} : JSON.parse(metadata),
    recordedAt: new Date(recordedAt),
  };
}

function prepareStatements(db: Database.Database) {
  return {
    lastRevision: db
      .prepare<[string], number | null>('SELECT max(revision) FROM events WHERE stream = ?')
      .pluck(),
    headPosition: db.prepare<[], number | null>('SELECT max(position) FROM events').pluck(),
    insert: db.prepare<[number, string, number, string, string, string, number]>(
      `INSERT INTO events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    maxCountOf: db
      .prepare<[string], number>('SELECT max_count FROM stream_limits WHERE stream = ?')
      .pluck(),
    setMaxCount: db.prepare<[string, number]>(
      'INSERT INTO stream_limits (stream, max_count) VALUES (?, ?) ' +
        'ON CONFLICT (stream) DO UPDATE SET max_count = excluded.max_count',
    ),
    trim: db.prepare<[string, number]>('DELETE FROM events WHERE stream = ? AND revision <= ?'),
    readForwards: db
      .prepare<[string, number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      )
      .raw(),
    readBackwards: db
      .prepare<[string, number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ` +
          'ORDER BY revision DESC LIMIT ?',
      )
      .raw(),
    readAll: db
      .prepare<[number, number], EventRow>(
        `SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
      )
      .raw(),
  };
}

/**
 * An event store in one SQLite file (WAL journal), the embedded default. Several processes may
 * share the file: appends are serialised by SQLite's write lock, and a busy file is waited for.
 * Subscriptions go live on appends made through this store object.
 */
export function createSqliteStore(path: string, options: SqliteStoreOptions = {}): EventStore {
  const name = `sqlite:${path}`;
  const waitMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = openStoreDatabase(path, options.sync ?? 'normal', waitMs);
  // From here on a busy lock is waited for on a timer, never inside SQLite: SQLite's own wait
  // blocks the whole process, and with it every read and every other request.
  db.pragma('busy_timeout = 0');
  const sql = prepareStatements(db);
  const feed = createFeedHub(name, { readLog, readStream });
  let closed = false;

  function guard<T>(doing: string, work: () => T): T {
    if (closed) throw new StoreUnavailableError(`${name} is closed`);
    try {
      return work();
    } catch (error) {
      throw asStoreError(error, `${name}: ${doing}`);
    }
  }

  // Stream limits change rarely (a worker's first heartbeat, the ticker's start), so each is
  // looked up once per store object rather than on every append. A limit another process sets
  // later is applied by that process's appends, and by this one's after it reopens the file.
  const limits = new Map<string, number | undefined>();
  function trimStream(stream: string, lastRevision: number): void {
    if (!limits.has(stream)) limits.set(stream, sql.maxCountOf.get(stream));
    const maxCount = limits.get(stream);
    if (maxCount !== undefined) sql.trim.run(stream, lastRevision - maxCount);
  }

  // Runs inside a write transaction, whose lock keeps other connections out; the revision check
  // comes before any insert, so a conflict leaves nothing to undo. The position of the newest
  // event is never trimmed (a stream keeps at least one), so max(position) + 1 is never reused.
  const writeEvents = (
    stream: string,
    events: EncodedEvent[],
    expected: ExpectedRevision,
  ): AppendResult => {
    const current = sql.lastRevision.get(stream) ?? -1;
    checkExpectedRevision(stream, expected, current);

    const recordedAt = Date.now();
    let position = sql.headPosition.get() ?? -1;
    let revision = current;
    for (const event of events) {
      position += 1;
      revision += 1;
      sql.insert.run(
        position,
        stream,
        revision,
        event.type,
        event.data,
        event.metadata,
        recordedAt,
      );
    }

    trimStream(stream, revision);
    return { revision, position };
  };
  const appendEvents = db.transaction(writeEvents);

  // A conflict fails its own append; anything else fails the whole transaction.
  function settleConflict(append: PendingAppend, write: () => AppendResult): AppendResult | Error {
    try {
      return write();
    } catch (error) {
      if (error instanceof ConcurrencyError) return error;
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE') {
        const actual = sql.lastRevision.get(append.stream) ?? 'no_stream';
        return new ConcurrencyError(append.stream, append.expected, actual);
      }
      throw error;
    }
  }

  // A conflict fails its own append alone (it is found before that append inserts anything);
  // any other error fails the whole batch, which the transaction then undoes.
  const appendTogether = db.transaction((batch: readonly PendingAppend[]) =>
    batch.map((append): AppendResult | Error => {
      try {
        return writeEvents(append.stream, append.events, append.expected);
      } catch (error) {
        if (error instanceof ConcurrencyError) return error;
        throw error;
      }
    }),
  );

  const writeBatch = (batch: readonly PendingAppend[]): (AppendResult | Error)[] => {
    const [only] = batch;
    if (batch.length === 1 && only) {
      const { stream, events, expected } = only;
      return [settleConflict(only, () => appendEvents.immediate(stream, events, expected))];
    }
    return appendTogether.immediate(batch);
  };

  const busy: BusyPolicy = {
    isBusy: (error) =>
      error instanceof Database.SqliteError &&
      (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED')),
    waitMs,
    timedOut(error) {
      const why = error instanceof Database.SqliteError ? `${error.message} (${error.code})` : '';
      const message = `${name}: locked by another connection for ${waitMs} ms: ${why}`;
      return new StoreUnavailableError(message, { cause: error });
    },
  };

  const batcher = createAppendBatcher((batch) => {
    if (closed) throw new StoreUnavailableError(`${name} is closed`);
    let outcomes: (AppendResult | Error)[];
    try {
      outcomes = writeBatch(batch);
    } catch (error) {
      if (busy.isBusy(error)) throw error;
      const more = batch.length > 1 ? ` and ${batch.length - 1} more` : '';
      throw asStoreError(error, `${name}: appending to ${batch[0]?.stream ?? ''}${more}`);
    }
    const written = new Set<string>();
    batch.forEach((append, i) => {
      if (!(outcomes[i] instanceof Error)) written.add(append.stream);
    });
    for (const stream of written) feed.notify(stream);
    return outcomes;
  }, busy);

  const limitStream = db.transaction((stream: string, maxCount: number) => {
    sql.setMaxCount.run(stream, maxCount);
    limits.set(stream, maxCount);
    trimStream(stream, sql.lastRevision.get(stream) ?? -1);
  });

  function readStream(stream: string, afterRevision: number, limit: number): StoredEvent[] {
    return guard(`reading ${stream}`, () =>
      sql.readForwards.all(stream, afterRevision + 1, sqlLimit(limit)).map(toStoredEvent),
    );
  }

  function readLog(after: number, limit: number): StoredEvent[] {
    return guard('reading the log', () =>
      sql.readAll.all(after, sqlLimit(limit)).map(toStoredEvent),
    );
  }

  return {
    name,

    // Not async: the batcher's promise is handed back as is, without another hop.
    append(stream, events, { expectedRevision }) {
      try {
        const encoded = encodeAppend(stream, events, expectedRevision);
        if (closed) throw new StoreUnavailableError(`${name} is closed`);
        return batcher.append({ stream, events: encoded, expected: expectedRevision });
      } catch (error) {
        return Promise.reject(error);
      }
    },

    async read(stream, options) {
      const plan = planStreamRead(stream, options);
      if (!plan.backwards) return readStream(stream, (plan.fromRevision ?? 0) - 1, plan.maxCount);
      const from = plan.fromRevision ?? Number.MAX_SAFE_INTEGER;
      return guard(`reading ${stream}`, () =>
        sql.readBackwards.all(stream, from, sqlLimit(plan.maxCount)).map(toStoredEvent),
      );
    },

    async readAll(options) {
      const { after, maxCount } = planReadAll(options);
      return readLog(after, maxCount);
    },

    async headPosition() {
      return guard('reading the head position', () => sql.headPosition.get() ?? -1);
    },

    subscribeToAll: feed.subscribeToAll,
    subscribeToStream: feed.subscribeToStream,

    async setStreamMaxCount(stream, maxCount) {
      assertMaxCount(stream, maxCount);
      if (closed) throw new StoreUnavailableError(`${name} is closed`);
      try {
        await retryWhileBusy(() => limitStream.immediate(stream, maxCount), busy);
      } catch (error) {
        throw asStoreError(error, `${name}: limiting ${stream}`);
      }
    },

    async close() {
      if (closed) return;
      batcher.flush();
      closed = true;
      feed.close();
      db.close();
    },
  };
}
