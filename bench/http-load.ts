import { Agent, request } from 'node:http';
import { ClaimedAttempt } from './claimed-attempt.ts';
import { percentile } from './measure.ts';

/**
 * The load generator for the HTTP figures, run in a child process (`fork`) so that it has its
 * own core and its own event loop: the server's latency is not the client's. Simulated workers
 * send requests over keep-alive connections of node's own `http` agent, each worker one
 * request at a time, either back to back (closed loop, for throughput) or once per period
 * (open loop, for latency at a given load).
 */
export interface LoadPlan {
  url: string;
  /** `heartbeat` posts each worker's heartbeat; `health` gets `/health`. */
  kind: 'heartbeat' | 'health';
  workers: {
    workerId: string;
    activeAttempts: { rolloutId: string; attemptId: string }[];
    /** The worker falls silent this long after the load starts (default: at the end). */
    silentAfterMs?: number;
  }[];
  warmUpMs: number;
  durationMs: number;
  /** Each worker claims a rollout as it starts, and heartbeats for that attempt. */
  claimFirst?: boolean;
  /** Open loop: each worker sends once per period. Closed loop when absent. */
  periodMs?: number;
}

export interface LoadResult {
  /** Answered with 200 after the warm-up. */
  completed: number;
  /** Requests answered at all, warm-up included: what the server did in the whole run. */
  answered: number;
  failed: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU the load generator itself used, as a share of one core. */
  clientCpuShare: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: Infinity });

function send(url: URL, body: string | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        agent,
        method: body === undefined ? 'GET' : 'POST',
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Claims a rollout for the worker; answers the attempt its heartbeats will name. */
async function claim(base: string, workerId: string) {
  const { status, text } = await send(new URL(`/workers/${workerId}/claim`, base), '{}');
  if (status !== 200) throw new Error(`${workerId} could not claim: ${status} ${text}`);
  const claimed = ClaimedAttempt.parse(JSON.parse(text));
  return [{ rolloutId: claimed.rolloutId, attemptId: claimed.attemptId }];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  let answered = 0;
  const begin = performance.now();
  const measureFrom = begin + plan.warmUpMs;
  const end = measureFrom + plan.durationMs;
  let cpuAtStart = process.cpuUsage();

  const worker = async (
    { workerId, activeAttempts, silentAfterMs }: LoadPlan['workers'][number],
    index: number,
  ): Promise<void> => {
    const stopAt = silentAfterMs === undefined ? end : Math.min(end, begin + silentAfterMs);
    const url =
      plan.kind === 'health'
        ? new URL('/health', plan.url)
        : new URL(`/workers/${workerId}/heartbeat`, plan.url);
    const running = plan.claimFirst ? await claim(plan.url, workerId) : activeAttempts;
    const body = plan.kind === 'health' ? undefined : JSON.stringify({ activeAttempts: running });
    const period = plan.periodMs;
    let due = begin + (period === undefined ? 0 : (period * index) / plan.workers.length);
    for (;;) {
      if (period !== undefined) {
        await sleep(due - performance.now());
        due += period;
      }
      if (performance.now() >= stopAt) break;
      const sentAt = performance.now();
      const status = await send(url, body).then(
        (response) => response.status,
        () => 0,
      );
      answered += 1;
      if (sentAt < measureFrom) continue;
      if (status === 200) latencies.push(performance.now() - sentAt);
      else failed += 1;
    }
  };

  setTimeout(() => (cpuAtStart = process.cpuUsage()), plan.warmUpMs);
  await Promise.all(plan.workers.map(worker));
  const seconds = (performance.now() - measureFrom) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    completed: latencies.length,
    answered,
    failed,
    seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: percentile(latencies, 1),
    clientCpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}

process.on('message', (plan: LoadPlan) => {
  runLoad(plan).then(
    (result) => process.send?.(result, () => process.exit(0)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
