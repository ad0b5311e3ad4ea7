import { WorkerHeartbeated } from '../src/domain/index.ts';
import { filter } from 'rxjs';
import { DEFAULT_HEARTBEAT_TIMEOUT_MS } from './bench-engine.ts';
import { startHeartbeatFleet } from './heartbeat-fleet.ts';
import type { Scratch } from './measure.ts';
import { withRatio, type FigureResult } from './report.ts';

const HOUR_S = 3_600;
const HEARTBEAT_PERIOD_S = 1;

/**
 * WorkerHeartbeated events appended per worker per hour at default settings (30 s timeout,
 * 1 s ticks) for workers heartbeating every second, counted as the events reach the read
 * models (worker streams are trimmed, so the store alone would undercount).
 */
export async function measureHeartbeatsPerWorkerHour(
  scratch: Scratch,
  options: { workers: number },
): Promise<FigureResult> {
  const fleet = await startHeartbeatFleet(scratch, 'worker-hour', options.workers);
  const appended = new Map<string, number>();
  const counting = fleet.engine.projected$
    .pipe(filter((projected) => projected.type === 'WorkerHeartbeated'))
    .subscribe((projected) => {
      const { workerId } = WorkerHeartbeated.shape.data.parse(projected.data);
      appended.set(workerId, (appended.get(workerId) ?? 0) + 1);
    });
  try {
    const statsBefore = fleet.engine.stats();
    for (let s = 0; s < HOUR_S; s++) await fleet.runSecond();
    const statsAfter = fleet.engine.stats();

    const counts = fleet.workers.map((w) => appended.get(w.workerId) ?? 0);
    const perWorkerHour = counts.reduce((sum, n) => sum + n, 0) / counts.length;
    const unthrottled = HOUR_S / HEARTBEAT_PERIOD_S;
    const ceiling = (4 * HOUR_S) / (DEFAULT_HEARTBEAT_TIMEOUT_MS / 1_000);
    return withRatio(
      {
        id: 'heartbeats-per-worker-hour',
        figure: 'heartbeat events appended per worker-hour (defaults, 1 s heartbeats)',
        value: perWorkerHour,
        unit: 'events/worker-hour',
        baseline: { label: '3,600 / heartbeat period', value: unthrottled, unit: 'events' },
        goal: `≤ 4 × 3,600 / 30 s = ${ceiling}`,
        details: {
          workers: options.workers,
          maxPerWorker: Math.max(...counts),
          received: statsAfter.heartbeatsReceived - statsBefore.heartbeatsReceived,
          appendedByStats: statsAfter.heartbeatsAppended - statsBefore.heartbeatsAppended,
        },
      },
      () => perWorkerHour <= ceiling,
    );
  } finally {
    counting.unsubscribe();
    await fleet.close();
  }
}
