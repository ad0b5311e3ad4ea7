import { z } from 'zod';
import { AttemptTimedOut } from '../src/domain/index.ts';
import type { EventStore } from '../src/eventstore/port.ts';
import { postJson, runLoadInChild, startBenchServer } from './http-server.ts';
import type { LoadPlan } from './http-load.ts';
import { percentile, type Scratch } from './measure.ts';
import { formatNumber, withRatio, type FigureResult } from './report.ts';

export interface TimeoutDetectionOptions {
  workers: number;
  heartbeatTimeoutMs: number;
  tickIntervalMs: number;
  heartbeatPeriodMs: number;
  /** Silent workers stop at a time spread evenly over this window after the load starts. */
  silenceWindowMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Timeouts {
  /** Per silent worker: append time minus (last heartbeat + timeout). */
  delays: number[];
  /** Per silent worker: append time minus the time of the tick that decided it. */
  afterTick: number[];
  /** Live workers' attempts timed out while they were still heartbeating. */
  falseTimeouts: number;
}

async function readTimeouts(
  store: EventStore,
  timeoutMs: number,
  loadEndedAt: number,
): Promise<Timeouts> {
  const timeouts: Timeouts = { delays: [], afterTick: [], falseTimeouts: 0 };
  let after = -1;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 1_000 });
    const last = page.at(-1);
    if (!last) return timeouts;
    after = last.position;
    for (const stored of page) {
      if (stored.type !== 'AttemptTimedOut') continue;
      const { workerId, lastHeartbeatAt, at } = AttemptTimedOut.shape.data.parse(stored.data);
      const appendedAt = stored.recordedAt.getTime();
      if (workerId.startsWith('live-')) {
        if (appendedAt < loadEndedAt) timeouts.falseTimeouts += 1;
        continue;
      }
      timeouts.delays.push(appendedAt - (lastHeartbeatAt + timeoutMs));
      timeouts.afterTick.push(appendedAt - at);
    }
  }
}

/**
 * How late the real server (system clock, short timeout and tick) times out an attempt whose
 * worker fell silent: the AttemptTimedOut's append time minus (its last heartbeat + timeout).
 * Each worker claims a rollout and heartbeats; half fall silent at spread-out moments, the other
 * half keep heartbeating and must not be timed out.
 */
export async function measureTimeoutDetection(
  scratch: Scratch,
  options: TimeoutDetectionOptions,
): Promise<FigureResult> {
  const server = await startBenchServer(scratch.file('timeouts.db'), {
    heartbeatTimeoutMs: options.heartbeatTimeoutMs,
    tickIntervalMs: options.tickIntervalMs,
  });
  try {
    // 1. A rollout per worker; every other worker falls silent during the window.
    const workers: LoadPlan['workers'] = [];
    for (let i = 0; i < options.workers; i++) {
      await postJson(
        `${server.url}/rollouts`,
        { rolloutId: `detect-${i}`, maxAttempts: 1 },
        z.unknown(),
      );
      const silent = i % 2 === 0;
      workers.push({
        workerId: `${silent ? 'silent' : 'live'}-${i}`,
        activeAttempts: [],
        ...(silent ? { silentAfterMs: ((i + 1) / options.workers) * options.silenceWindowMs } : {}),
      });
    }

    // 2. Heartbeat until the window has passed, then wait for the last timeouts.
    await runLoadInChild({
      url: server.url,
      kind: 'heartbeat',
      workers,
      warmUpMs: 0,
      durationMs: options.silenceWindowMs + options.heartbeatTimeoutMs,
      periodMs: options.heartbeatPeriodMs,
      claimFirst: true,
    });
    const loadEndedAt = Date.now();
    await sleep(options.heartbeatTimeoutMs + 4 * options.tickIntervalMs);

    // 3. Read the timeouts from the log.
    const timeouts = await readTimeouts(
      server.engine.store,
      options.heartbeatTimeoutMs,
      loadEndedAt,
    );
    const { delays, afterTick, falseTimeouts } = timeouts;
    const silent = workers.filter((w) => w.silentAfterMs !== undefined).length;
    const p99 = percentile(delays, 0.99);
    const ceiling = options.tickIntervalMs + 50;
    return withRatio(
      {
        id: 'timeout-detection',
        figure: 'timeout detection delay p99 (real server, system clock)',
        value: p99,
        unit: 'ms',
        note: `p50 ${formatNumber(percentile(delays, 0.5))} ms`,
        baseline: { label: 'tick interval', value: options.tickIntervalMs, unit: 'ms' },
        goal: `p99 ≤ tick + 50 ms = ${ceiling} ms`,
        details: {
          p50Ms: percentile(delays, 0.5),
          maxMs: percentile(delays, 1),
          afterTickP50Ms: percentile(afterTick, 0.5),
          afterTickP99Ms: percentile(afterTick, 0.99),
          timedOut: delays.length,
          fellSilent: silent,
          timedOutWhileHeartbeating: falseTimeouts,
          timeoutMs: options.heartbeatTimeoutMs,
        },
      },
      () => p99 <= ceiling && delays.length === silent && falseTimeouts === 0,
    );
  } finally {
    await server.close();
  }
}
