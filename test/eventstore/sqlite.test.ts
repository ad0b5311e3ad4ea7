import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyError, StoreUnavailableError } from '../../src/eventstore/port.ts';
import { StoreFileRefusedError } from '../../src/eventstore/sqlite-schema.ts';
import { createSqliteStore } from '../../src/eventstore/sqlite.ts';
import { numbered, runConformanceSuite } from './conformance.ts';
import { runLocalStoreSuite } from './local-store-suite.ts';

async function openTempStore() {
  const folder = mkdtempSync(join(tmpdir(), 'vigil-sqlite-'));
  const store = createSqliteStore(join(folder, 'vigil.db'));
  const cleanup = async () => {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  };
  return { store, cleanup };
}

runConformanceSuite('sqlite', openTempStore);
runLocalStoreSuite('sqlite', openTempStore);

describe('sqlite store file', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'vigil-sqlite-file-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('creates the folders of a new store file', async () => {
    const path = join(folder, 'data', 'nested', 'vigil.db');

    const store = createSqliteStore(path);
    await store.append('rollout-1', numbered(1), { expectedRevision: 'no_stream' });
    await store.close();

    expect(existsSync(path)).toBe(true);
    expect(store.name).toBe(`sqlite:${path}`);
  });

  it('keeps events, revisions, positions and stream limits across a reopen', async () => {
    const path = join(folder, 'vigil.db');
    const first = createSqliteStore(path);
    await first.append('rollout-1', numbered(2), { expectedRevision: 'no_stream' });
    await first.setStreamMaxCount('worker-1', 2);
    await first.close();

    const second = createSqliteStore(path);
    const appended = await second.append('rollout-1', numbered(1), { expectedRevision: 1 });
    await second.append('worker-1', numbered(3), { expectedRevision: 'no_stream' });
    const rollout = await second.read('rollout-1');
    const worker = await second.read('worker-1');
    await second.close();

    expect(appended).toEqual({ revision: 2, position: 2 });
    expect(rollout.map((event) => event.data)).toEqual([{ index: 0 }, { index: 1 }, { index: 0 }]);
    expect(worker.map((event) => event.revision)).toEqual([1, 2]);
  });

  it('keeps its file in WAL journal mode', async () => {
    const path = join(folder, 'vigil.db');
    const store = createSqliteStore(path, { sync: 'full' });
    await store.append('a', numbered(1), { expectedRevision: 'any' });

    const inspector = new Database(path, { readonly: true });
    const journalMode = inspector.pragma('journal_mode', { simple: true });
    inspector.close();
    await store.close();

    expect(journalMode).toBe('wal');
  });

  it('shares one file between two stores: each sees and conflicts with the other’s appends', async () => {
    const path = join(folder, 'vigil.db');
    const left = createSqliteStore(path);
    const right = createSqliteStore(path);

    await left.append('rollout-1', numbered(1), { expectedRevision: 'no_stream' });
    const conflict = right.append('rollout-1', numbered(1), { expectedRevision: 'no_stream' });
    await expect(conflict).rejects.toBeInstanceOf(ConcurrencyError);
    const appended = await right.append('rollout-2', numbered(1), {
      expectedRevision: 'no_stream',
    });
    const seenByLeft = await left.readAll();
    await Promise.all([left.close(), right.close()]);

    expect(appended.position).toBe(1);
    expect(seenByLeft.map((event) => event.stream)).toEqual(['rollout-1', 'rollout-2']);
  });

  it('waits for another connection’s write lock on a timer, so this process can still read and the lock can be let go', async () => {
    const path = join(folder, 'vigil.db');
    const store = createSqliteStore(path);
    await store.append('rollout-1', numbered(1), { expectedRevision: 'no_stream' });
    const otherWriter = new Database(path);
    otherWriter.exec('BEGIN IMMEDIATE');

    // Were the wait inside SQLite, this process would block until the busy timeout and the
    // other connection (in this same process) could never roll back.
    const waiting = store.append('rollout-1', numbered(1), { expectedRevision: 0 });
    await expect(store.read('rollout-1')).resolves.toHaveLength(1);
    otherWriter.exec('ROLLBACK');
    otherWriter.close();

    await expect(waiting).resolves.toEqual({ revision: 1, position: 1 });
    await store.close();
  });

  it('reports a write lock held past the busy timeout as store unavailable, and recovers', async () => {
    const path = join(folder, 'vigil.db');
    const store = createSqliteStore(path, { busyTimeoutMs: 20 });
    await store.append('rollout-1', numbered(1), { expectedRevision: 'no_stream' });
    const otherWriter = new Database(path);
    otherWriter.exec('BEGIN IMMEDIATE');

    const blocked = store.append('rollout-1', numbered(1), { expectedRevision: 0 });
    await expect(blocked).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(blocked).rejects.toThrow(/database is locked \(SQLITE_BUSY\)/);
    await expect(store.read('rollout-1')).resolves.toHaveLength(1);
    otherWriter.exec('ROLLBACK');
    otherWriter.close();

    await expect(store.append('rollout-1', numbered(1), { expectedRevision: 0 })).resolves.toEqual({
      revision: 1,
      position: 1,
    });
    await store.close();
  });

  it('refuses an SQLite file that belongs to something else and leaves it untouched', () => {
    const path = join(folder, 'other.db');
    const other = new Database(path);
    other.exec("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada')");
    other.close();
    const before = readFileSync(path);

    expect(() => createSqliteStore(path)).toThrow(StoreFileRefusedError);
    expect(() => createSqliteStore(path)).toThrow(
      /is not a Vigil store \(it holds tables: users\)/,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a file that is not an SQLite database and leaves it untouched', () => {
    const path = join(folder, 'notes.txt');
    const content = 'shopping list: milk, eggs\n'.repeat(200);
    writeFileSync(path, content);

    expect(() => createSqliteStore(path)).toThrow(
      /is not a Vigil store \(not an SQLite database\)/,
    );
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it('refuses a store written by a newer Vigil schema', async () => {
    const path = join(folder, 'vigil.db');
    const store = createSqliteStore(path);
    await store.append('rollout-1', numbered(1), { expectedRevision: 'no_stream' });
    await store.close();
    const raw = new Database(path);
    raw.pragma('user_version = 2');
    raw.close();

    expect(() => createSqliteStore(path)).toThrow(
      /written by a newer Vigil \(schema version 2; this version reads up to 1\)/,
    );
    const inspector = new Database(path, { readonly: true });
    expect(inspector.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 1 });
    inspector.close();
  });
});
