import { createSqliteStore } from '../src/eventstore/sqlite.ts';
import { createBenchEngine } from './bench-engine.ts';
import { median, secondsSince } from './measure.ts';
import { withRatio, type FigureResult } from './report.ts';

/** The page size the store's subscriptions read with, used for the raw baseline too. */
const PAGE = 500;

/** Every stored event through `readAll`, page by page, JSON payloads parsed: the floor. */
async function rawReadAllPerSecond(path: string): Promise<number> {
  const store = createSqliteStore(path);
  try {
    const started = performance.now();
    let read = 0;
    let after = -1;
    for (;;) {
      const page = await store.readAll({ after, maxCount: PAGE });
      const last = page.at(-1);
      if (!last) break;
      read += page.length;
      after = last.position;
    }
    return read / secondsSince(started);
  } finally {
    await store.close();
  }
}

/** `engine.start()` on the stored log: what a restarting engine does before it serves. */
async function rebuildPerSecond(path: string, events: number): Promise<number> {
  const store = createSqliteStore(path);
  const engine = createBenchEngine(store);
  try {
    const started = performance.now();
    await engine.start();
    const elapsed = secondsSince(started);
    if (engine.projectionPosition() !== events - 1) throw new Error('the rebuild stopped short');
    return events / elapsed;
  } finally {
    await engine.stop();
    await store.close();
  }
}

/**
 * Read-model rebuild rate from the stored log, against raw `readAll` on the same file. The two
 * are measured alternately, `rounds` times each, and the medians compared, so a neighbour's
 * burst of CPU on the shared machine does not land on one side only.
 */
export async function measureRebuild(
  path: string,
  events: number,
  rounds: number,
): Promise<FigureResult> {
  const raw: number[] = [];
  const rebuild: number[] = [];
  for (let round = 0; round < rounds; round++) {
    raw.push(await rawReadAllPerSecond(path));
    rebuild.push(await rebuildPerSecond(path, events));
  }
  const rebuildRate = median(rebuild);
  return withRatio(
    {
      id: 'rebuild',
      figure: `read-model rebuild from ${events.toLocaleString('en-US')} stored events`,
      value: rebuildRate,
      unit: 'events/s',
      baseline: { label: 'raw readAll + JSON parse', value: median(raw), unit: 'events/s' },
      goal: '≥ 0.5 of raw',
      details: { rounds, rebuildSeconds: events / rebuildRate, pageSize: PAGE },
    },
    (ratio) => ratio >= 0.5,
  );
}
