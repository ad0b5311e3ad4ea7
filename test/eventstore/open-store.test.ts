import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, parseSqliteSpec } from '../../src/eventstore/open-store.ts';

describe('openStore', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'vigil-open-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it("opens an empty memory store for 'memory:'", async () => {
    const store = await openStore('memory:');

    expect(store.name).toBe('memory');
    await expect(store.headPosition()).resolves.toBe(-1);
    await store.close();
  });

  it("opens the SQLite file named by 'sqlite:<path>', with or without a sync level", async () => {
    const path = join(folder, 'vigil.db');
    const first = await openStore(`sqlite:${path}`);
    await first.append('rollout-1', [{ type: 'Enqueued', data: {} }], {
      expectedRevision: 'no_stream',
    });
    await first.close();

    const second = await openStore(`sqlite:${path}?sync=full`);
    const events = await second.read('rollout-1');
    await second.close();

    expect(second.name).toBe(`sqlite:${path}`);
    expect(events.map((event) => event.type)).toEqual(['Enqueued']);
  });

  it('reads the sync level of a SQLite spec, normal by default', () => {
    expect(parseSqliteSpec('sqlite:data/vigil.db')).toEqual({
      path: 'data/vigil.db',
      sync: 'normal',
    });
    expect(parseSqliteSpec('sqlite:data/vigil.db?sync=full')).toEqual({
      path: 'data/vigil.db',
      sync: 'full',
    });
    expect(parseSqliteSpec('sqlite:/abs/v.db?sync=normal')).toEqual({
      path: '/abs/v.db',
      sync: 'normal',
    });
  });

  it.each([
    ['postgres://localhost/vigil', /invalid store "postgres:\/\/localhost\/vigil": unknown kind/],
    ['memory', /invalid store "memory"/],
    ['', /invalid store ""/],
    ['sqlite:', /the SQLite file path is empty/],
    ['sqlite:v.db?sync=fast', /sync must be 'normal' or 'full', got "fast"/],
    ['sqlite:v.db?mode=ro', /unknown option "mode"/],
  ])('refuses the spec %j, naming it and the accepted forms', async (spec, message) => {
    const opening = openStore(spec);

    await expect(opening).rejects.toThrow(message);
    await expect(opening).rejects.toThrow(/expected 'memory:', 'sqlite:<path>'.*'esdb:\/\/'/);
  });
});
