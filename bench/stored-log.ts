import { createSqliteStore } from '../src/eventstore/sqlite.ts';
import {
  writeEventLogFixture,
  type FixtureShape,
  type FixtureSummary,
} from './event-log-fixture.ts';
import { secondsSince, type Scratch } from './measure.ts';

export interface StoredLog {
  path: string;
  summary: FixtureSummary;
  writeSeconds: number;
}

/** Writes the fixture log into a fresh SQLite file and closes it (checkpointing the WAL). */
export async function writeStoredLog(scratch: Scratch, shape: FixtureShape): Promise<StoredLog> {
  const path = scratch.file('stored-log.db');
  const store = createSqliteStore(path);
  const started = performance.now();
  try {
    const summary = await writeEventLogFixture(store, shape);
    if (summary.events !== shape.events || summary.attempts !== shape.attempts) {
      throw new Error(`the fixture holds ${summary.events} events, ${summary.attempts} attempts`);
    }
    return { path, summary, writeSeconds: secondsSince(started) };
  } finally {
    await store.close();
  }
}
