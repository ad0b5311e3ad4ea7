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

interface Saturation {
  load: LoadResult;
  perSecond: number;
  /** Server (this process) CPU per completed request, in microseconds. */
  serverCpuUs: number;
}

async function saturate(plan: LoadPlan): Promise<Saturation> {
  const cpuBefore = process.cpuUsage();
  const load = await runLoadInChild(plan);
  const cpu = process.cpuUsage(cpuBefore);
  return {
    load,
    perSecond: load.completed / load.seconds,
    serverCpuUs: (cpu.user + cpu.system) / load.answered,
  };
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
    // The server's CPU per request is kept too: it holds when the load generator saturates first.
    const health: Saturation[] = [];
    const heartbeats: Saturation[] = [];
    for (let round = 0; round < options.rounds; round++) {
      health.push(await saturate(plan('health')));
      heartbeats.push(await saturate(plan('heartbeat')));
    }
    const healthRate = median(health.map((run) => run.perSecond));
    const heartbeatRate = median(heartbeats.map((run) => run.perSecond));
    const serverUsPerHealth = median(health.map((run) => run.serverCpuUs));
    const serverUsPerHeartbeat = median(heartbeats.map((run) => run.serverCpuUs));

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
          saturatedP99Ms: median(heartbeats.map((run) => run.load.p99Ms)),
          serverCpuUsPerHeartbeat: serverUsPerHeartbeat,
          serverCpuUsPerHealth: serverUsPerHealth,
          serverCpuRatio: serverUsPerHealth / serverUsPerHeartbeat,
          clientCpuShare: Math.max(
            ...[...health, ...heartbeats].map((run) => run.load.clientCpuShare),
          ),
          failed: [...health, ...heartbeats].reduce(
            (sum, run) => sum + run.load.failed,
            paced.failed,
          ),
          appended: server.engine.stats().heartbeatsAppended,
        },
      },
      (ratio) => ratio >= 0.3 && paced.p99Ms < 25,
    );
  } finally {
    await server.close();
  }
}
