import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyError, type EventStore } from '../../src/eventstore/port.ts';
import { createSqliteStore } from '../../src/eventstore/sqlite.ts';
import { numbered } from './conformance.ts';

describe('sqlite appends made together', () => {
  let folder: string;
  let store: EventStore;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'vigil-batch-'));
    store = createSqliteStore(join(folder, 'vigil.db'));
  });

  afterEach(async () => {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('fails only the append whose expected revision is wrong, and keeps the others', async () => {
    await store.append('b', numbered(1), { expectedRevision: 'no_stream' });

    const outcomes = await Promise.allSettled([
      store.append('a', numbered(2, 'ToA'), { expectedRevision: 'no_stream' }),
      store.append('b', numbered(3, 'Stale'), { expectedRevision: 5 }),
      store.append('c', numbered(1, 'ToC'), { expectedRevision: 'no_stream' }),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const rejected = outcomes[1];
    expect(rejected?.status === 'rejected' && rejected.reason).toBeInstanceOf(ConcurrencyError);
    const log = (await store.readAll()).map(
      (event) => `${event.stream}:${event.type}@${event.position}`,
    );
    expect(log).toEqual(['b:Numbered@0', 'a:ToA@1', 'a:ToA@2', 'c:ToC@3']);
  });

  it('sees the earlier appends of its own batch when it checks a revision', async () => {
    const [first, second] = await Promise.all([
      store.append('a', numbered(1), { expectedRevision: 'no_stream' }),
      store.append('a', numbered(1), { expectedRevision: 0 }),
    ]);

    expect([first?.revision, second?.revision]).toEqual([0, 1]);
  });

  it('writes an append made just before the store closes', async () => {
    const path = join(folder, 'closing.db');
    const closing = createSqliteStore(path);
    const appended = closing.append('a', numbered(1), { expectedRevision: 'no_stream' });
    await closing.close();
    await expect(appended).resolves.toEqual({ revision: 0, position: 0 });

    const reopened = createSqliteStore(path);
    await expect(reopened.headPosition()).resolves.toBe(0);
    await reopened.close();
  });
});
