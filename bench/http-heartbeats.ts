import { z } from 'zod';
import type { AttemptRef } from '../src/app/engine-api.ts';
import { ClaimedAttempt } from './claimed-attempt.ts';
import type { LoadPlan, LoadResult } from './http-load.ts';
import { postJson, runLoadInChild, startBenchServer } from './http-server.ts';
import { median, type Scratch } from './measure.ts';
import { formatNumber, withRatio, type FigureResult } from './report.ts';

export interface HttpHeartbeatOptions {
  workers: number;
  warmUpMs: number;
  durationMs: number;
  /** Saturation runs of each kind, alternated. */
  rounds: number;
  /** Open-loop load for the latency figure, as a share of the measured heartbeat throughput. */
  latencyLoadShare: number;
}

/** Each simulated worker claims one rollout over HTTP, so its heartbeats name a running attempt. */
async function claimOneEach(url: string, count: number) {
  const workers: { workerId: string; activeAttempts: AttemptRef[] }[] = [];
  for (let i = 0; i < count; i++) {
    await postJson(`${url}/rollouts`, { rolloutId: `http-${i}`, input: { i } }, z.unknown());
    const workerId = `http-worker-${i}`;
    const claimed = await postJson(`${url}/workers/${workerId}/claim`, {}, ClaimedAttempt);
    workers.push({
      workerId,
      activeAttempts: [{ rolloutId: claimed.rolloutId, attemptId: claimed.attemptId }],
    });
  }
  return workers;
}

/**
 * Heartbeats per second over HTTP from simulated workers on keep-alive connections (load from
 * a child process), against `/health` of the same server with the same workers. Throughput is
 * closed loop (each worker sends its next request when the last is answered); latency is open
 * loop at `latencyLoadShare` of that throughput, since closed-loop latency is only the number of
 * workers divided by the throughput.
 */
export async function measureHttpHeartbeats(
  scratch: Scratch,
  options: HttpHeartbeatOptions,
): Promise<FigureResult> {
  const server = await startBenchServer(scratch.file('http.db'));
  try {
    const workers = await claimOneEach(server.url, options.workers);
    const plan = (kind: LoadPlan['kind'], periodMs?: number): LoadPlan => ({
      url: server.url,
      kind,
      workers,
      warmUpMs: options.warmUpMs,
      durationMs: options.durationMs,
      ...(periodMs === undefined ? {} : { periodMs }),
    });

    // 1. Saturation, alternating so that both sides see the same neighbours; medians compared.
    const health: LoadResult[] = [];
    const heartbeats: LoadResult[] = [];
    for (let round = 0; round < options.rounds; round++) {
      health.push(await runLoadInChild(plan('health')));
      heartbeats.push(await runLoadInChild(plan('heartbeat')));
    }
    const rate = (result: LoadResult): number => result.completed / result.seconds;
    const healthRate = median(health.map(rate));
    const heartbeatRate = median(heartbeats.map(rate));

    // 2. Latency at a load the server can sustain.
    const targetRate = heartbeatRate * options.latencyLoadShare;
    const periodMs = (options.workers / targetRate) * 1000;
    const paced = await runLoadInChild(plan('heartbeat', periodMs));

    return withRatio(
      {
        id: 'http-heartbeats',
        figure: `heartbeats/s over HTTP, ${options.workers.toLocaleString('en-US')} workers`,
        value: heartbeatRate,
        unit: 'heartbeats/s',
        note: `p50 ${formatNumber(paced.p50Ms)} ms, p99 ${formatNumber(paced.p99Ms)} ms at ${formatNumber(options.latencyLoadShare * 100)}% load`,
        baseline: { label: 'GET /health', value: healthRate, unit: 'requests/s' },
        goal: '≥ 0.3 of /health; p99 < 25 ms',
        details: {
          p50Ms: paced.p50Ms,
          p99Ms: paced.p99Ms,
          latencyAtPerS: paced.completed / paced.seconds,
          saturatedP99Ms: median(heartbeats.map((result) => result.p99Ms)),
          failed: [...health, ...heartbeats, paced].reduce((sum, result) => sum + result.failed, 0),
          clientCpuShare: Math.max(...[...health, ...heartbeats].map((r) => r.clientCpuShare)),
          appended: server.engine.stats().heartbeatsAppended,
        },
      },
      (ratio) => ratio >= 0.3 && paced.p99Ms < 25,
    );
  } finally {
    await server.close();
  }
}
