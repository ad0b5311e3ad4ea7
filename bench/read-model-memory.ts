import { createSqliteStore } from '../src/eventstore/sqlite.ts';
import { createBenchEngine } from './bench-engine.ts';
import { settledHeapBytes } from './measure.ts';
import type { FigureResult } from './report.ts';
import type { FixtureSummary } from './event-log-fixture.ts';

const KIB = 1_024;

/**
 * Heap the engine keeps after rebuilding its read models from the stored log, per attempt:
 * settled heap with the started engine alive, minus settled heap before it was created. The
 * rollouts and workers the attempts belong to are part of the cost.
 */
export async function measureReadModelMemory(
  path: string,
  fixture: FixtureSummary,
): Promise<FigureResult> {
  const store = createSqliteStore(path);
  try {
    const before = settledHeapBytes();
    const engine = createBenchEngine(store);
    await engine.start();
    const after = settledHeapBytes();
    const listed = engine.listAttempts({ limit: 1 }).items.length;
    await engine.stop();
    if (listed !== 1) throw new Error('the read models hold no attempts');

    const perAttempt = (after - before) / fixture.attempts;
    return {
      id: 'read-model-memory',
      figure: `read-model memory per attempt at ${fixture.attempts.toLocaleString('en-US')} attempts`,
      value: perAttempt,
      unit: 'bytes',
      goal: '≤ 1 KiB',
      met: perAttempt <= KIB,
      details: {
        heapMiB: (after - before) / KIB / KIB,
        attempts: fixture.attempts,
        rollouts: fixture.rollouts,
        workers: fixture.workers,
      },
    };
  } finally {
    await store.close();
  }
}
