import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from './port.ts';

/** Marks a file as a Vigil store in its SQLite header (`PRAGMA application_id`): "VGIL". */
export const VIGIL_APPLICATION_ID = 0x5647494c;

/** The schema this code writes and reads (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 1;

/**
 * How hard each commit is flushed. `normal` (WAL) keeps every acknowledged append through a
 * crash of the process; `full` also through a power loss or OS crash, at one fsync per append.
 */
export type SqliteSync = 'normal' | 'full';

/** How long an append waits for another process's write lock before it fails: 5 s. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

const SCHEMA = `
  CREATE TABLE events (
    position INTEGER PRIMARY KEY,
    stream TEXT NOT NULL,
    revision INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    UNIQUE (stream, revision)
  );
  CREATE TABLE stream_limits (
    stream TEXT PRIMARY KEY,
    max_count INTEGER NOT NULL CHECK (max_count >= 1)
  ) WITHOUT ROWID;
`;

/** Thrown when a file exists but is not a Vigil store this code may use; the file is left as is. */
export class StoreFileRefusedError extends Error {
  readonly code = 'store_file_refused';

  constructor(message: string) {
    super(message);
    this.name = 'StoreFileRefusedError';
  }
}

/** Wraps an error raised by SQLite as StoreUnavailableError; anything else passes unchanged. */
export function asStoreError(error: unknown, doing: string): unknown {
  if (error instanceof Database.SqliteError) {
    return new StoreUnavailableError(`${doing}: ${error.message} (${error.code})`, {
      cause: error,
    });
  }
  return error;
}

function userTables(db: Database.Database): string[] {
  return db
    .prepare<[], string>(
      "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'",
    )
    .pluck()
    .all();
}

// Runs under the write lock, so two processes creating one new file cannot both create it.
function prepareSchema(db: Database.Database, path: string): void {
  const applicationId = db.pragma('application_id', { simple: true });
  const userVersion = Number(db.pragma('user_version', { simple: true }));
  const tables = userTables(db);

  if (applicationId === 0 && userVersion === 0 && tables.length === 0) {
    db.exec(SCHEMA);
    db.pragma(`application_id = ${VIGIL_APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return;
  }

  if (applicationId !== VIGIL_APPLICATION_ID) {
    throw new StoreFileRefusedError(
      `${path} is not a Vigil store (it holds tables: ${tables.join(', ') || 'none'}); ` +
        'refusing to use it. Point the store at a new or a Vigil file.',
    );
  }
  if (userVersion > SCHEMA_VERSION) {
    throw new StoreFileRefusedError(
      `${path} was written by a newer Vigil (schema version ${userVersion}; this version ` +
        `reads up to ${SCHEMA_VERSION}); upgrade Vigil to open it.`,
    );
  }
  if (userVersion < 1) {
    throw new StoreFileRefusedError(`${path} is marked as a Vigil store but has no schema version`);
  }
}

function openFile(path: string, busyTimeoutMs: number): Database.Database {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new StoreUnavailableError(`cannot create the folder of SQLite store ${path}`, {
      cause: error,
    });
  }
  try {
    return new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw asStoreError(error, `cannot open SQLite store ${path}`);
  }
}

/**
 * Opens (creating it and its folder when missing) the SQLite file of a Vigil store, checks that
 * it is one, and sets WAL journaling with the given sync level. Throws StoreFileRefusedError for
 * a file that is not a Vigil store or is newer than this code, StoreUnavailableError for I/O.
 */
export function openStoreDatabase(
  path: string,
  sync: SqliteSync,
  busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS,
): Database.Database {
  const db = openFile(path, busyTimeoutMs);

  try {
    db.transaction(() => prepareSchema(db, path)).immediate();
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof Database.SqliteError && error.code === 'SQLITE_NOTADB') {
      throw new StoreFileRefusedError(`${path} is not a Vigil store (not an SQLite database)`);
    }
    throw asStoreError(error, `cannot open SQLite store ${path}`);
  }
}
