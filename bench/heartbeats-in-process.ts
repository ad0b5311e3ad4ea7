import { startHeartbeatFleet } from './heartbeat-fleet.ts';
import { secondsSince, type Scratch } from './measure.ts';
import type { FigureResult } from './report.ts';

export interface InProcessHeartbeatOptions {
  workers: number;
  /** Simulated seconds run before timing starts, so every worker is past its first append. */
  warmUpSeconds: number;
  /** Simulated seconds timed. */
  seconds: number;
}

/**
 * Heartbeats per second of wall time through the engine on SQLite, steady state: every worker
 * heartbeats once per simulated second and the clock ticks every second, so the engine does
 * the throttle's appends, the ticks and the saga's scans it would do in production.
 */
export async function measureInProcessHeartbeats(
  scratch: Scratch,
  options: InProcessHeartbeatOptions,
): Promise<FigureResult> {
  const fleet = await startHeartbeatFleet(scratch, 'in-process', options.workers);
  try {
    for (let s = 0; s < options.warmUpSeconds; s++) await fleet.runSecond();

    const before = fleet.engine.stats();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (let s = 0; s < options.seconds; s++) await fleet.runSecond();
    const elapsed = secondsSince(started);
    const cpu = process.cpuUsage(cpuBefore);
    const after = fleet.engine.stats();

    const received = after.heartbeatsReceived - before.heartbeatsReceived;
    const appended = after.heartbeatsAppended - before.heartbeatsAppended;
    const rate = received / elapsed;
    return {
      id: 'heartbeats-in-process',
      figure: 'heartbeats/s through the engine (in process, SQLite)',
      value: rate,
      unit: 'heartbeats/s',
      goal: '≥ 100,000/s',
      met: rate >= 100_000,
      details: {
        workers: options.workers,
        heartbeats: received,
        appended,
        simulatedSeconds: options.seconds,
        perCpuSecond: received / ((cpu.user + cpu.system) / 1e6),
      },
    };
  } finally {
    await fleet.close();
  }
}
