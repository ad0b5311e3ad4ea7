import { createMemoryStore } from './memory.ts';
import type { EventStore } from './port.ts';
import type { SqliteSync } from './sqlite-schema.ts';
import { createSqliteStore } from './sqlite.ts';

const ACCEPTED_FORMS =
  "'memory:', 'sqlite:<path>' (optionally '?sync=normal' or '?sync=full'), " +
  "or an 'esdb://', 'esdb+discover://', 'kurrentdb://' or 'kurrentdb+discover://' " +
  'connection string';

const ESDB_SCHEMES = ['esdb://', 'esdb+discover://', 'kurrentdb://', 'kurrentdb+discover://'];

function badSpec(spec: string, why: string): Error {
  return new Error(`invalid store ${JSON.stringify(spec)}: ${why}; expected ${ACCEPTED_FORMS}`);
}

/** Splits `sqlite:<path>[?sync=normal|full]` into the file path and the sync level. */
export function parseSqliteSpec(spec: string): { path: string; sync: SqliteSync } {
  const rest = spec.slice('sqlite:'.length);
  const queryAt = rest.lastIndexOf('?');
  const path = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1));
  if (path.length === 0) throw badSpec(spec, 'the SQLite file path is empty');

  let sync: SqliteSync = 'normal';
  for (const [key, value] of query) {
    if (key !== 'sync') throw badSpec(spec, `unknown option ${JSON.stringify(key)}`);
    if (value !== 'normal' && value !== 'full') {
      throw badSpec(spec, `sync must be 'normal' or 'full', got ${JSON.stringify(value)}`);
    }
    sync = value;
  }
  return { path, sync };
}

/** The EventStoreDB client is loaded only when a deployment asks for it. */
async function openEsdbStore(spec: string): Promise<EventStore> {
  const { createEsdbStore } = await import('./esdb.ts');
  return createEsdbStore(spec);
}

/**
 * Opens the store a spec names: `memory:`, `sqlite:<path>[?sync=normal|full]`, or an
 * EventStoreDB / KurrentDB connection string (`esdb://…`, `esdb+discover://…`, `kurrentdb://…`).
 * Throws an Error naming the spec and the accepted forms for anything else.
 */
export async function openStore(spec: string): Promise<EventStore> {
  if (spec === 'memory:') return createMemoryStore();
  if (spec.startsWith('sqlite:')) {
    const { path, sync } = parseSqliteSpec(spec);
    return createSqliteStore(path, { sync });
  }
  if (ESDB_SCHEMES.some((scheme) => spec.startsWith(scheme))) return openEsdbStore(spec);
  throw badSpec(spec, 'unknown kind of store');
}
