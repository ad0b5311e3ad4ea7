import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { attemptsTable } from './cli/operator-view.ts';
import { VigilClient } from './client/client.ts';
import { VigilApiError } from './client/errors.ts';
import { createManualTimers } from './client/timers.ts';
import { runWorker } from './client/worker.ts';
import type { AttemptHandler, WorkerEvent, WorkerHandle } from './client/worker-options.ts';
import type { Config } from './config.ts';
import type { AttemptView, RolloutView, WorkerView } from './engine-api.ts';
import { startServer } from './http/serve.ts';

export interface DemoOptions {
  /** Where the narrative goes (default: stdout). */
  print?: (line: string) => void;
  /** Give up and report failure after this long (default 25 s). */
  deadlineMs?: number;
}

export interface DemoOutcome {
  /** True when every expectation below held. */
  ok: boolean;
  problems: string[];
  rollouts: RolloutView[];
}

const heartbeatTimeoutMs = 1500;
const slowTaskMs = 6000;
const quick = { initialMs: 100, maxMs: 250 };

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((onResolve) => (resolve = onResolve));
  return { promise, resolve };
}

/** What the demo promises, checked against the final state. */
function checkOutcome(rollouts: RolloutView[], lateResultRefused: boolean): string[] {
  const problems: string[] = [];
  const byId = new Map(rollouts.map((rollout) => [rollout.rolloutId, rollout]));
  const expect = (condition: boolean, problem: string) => condition || problems.push(problem);

  const video = byId.get('render-video');
  expect(video?.status === 'succeeded', 'render-video did not succeed');
  expect(video?.attempts.length === 1, 'render-video, though heartbeating, was retried');
  expect(video?.attempts[0]?.workerId === 'worker-slow', 'render-video was not run by worker-slow');

  const backup = byId.get('backup-db');
  const [stalled, retried] = backup?.attempts ?? [];
  expect(backup?.status === 'succeeded', 'backup-db did not succeed');
  expect(stalled?.workerId === 'worker-stalls', 'backup-db was not first claimed by worker-stalls');
  expect(stalled?.status === 'timeout', "the stalled worker's attempt did not time out");
  expect(stalled?.timeoutReason === 'heartbeat', 'the timeout was not for heartbeat silence');
  expect(retried?.status === 'succeeded', 'backup-db was not finished by a second attempt');
  expect(retried?.workerId !== 'worker-stalls', 'backup-db was retried by the stalled worker');

  const email = byId.get('send-email');
  expect(email?.status === 'succeeded', 'send-email did not succeed');
  expect(lateResultRefused, "the stalled worker's late result was not refused");
  return problems;
}

/** One line per worker, e.g. `worker-slow active · worker-stalls stale`. */
function workersLine(workers: WorkerView[]): string {
  return workers.map((worker) => `${worker.workerId} ${worker.status}`).join(' · ');
}

function signatureOf(attempts: AttemptView[], workers: WorkerView[]): string {
  const attemptStates = attempts.map((a) => `${a.rolloutId}#${a.attemptNumber}:${a.status}`);
  return `${attemptStates.join(',')}|${workersLine(workers)}`;
}

/**
 * Serves an engine on a temporary SQLite file with a 1.5 s heartbeat timeout and runs three
 * workers against it: a slow one that heartbeats through a 6 s task, one that stalls mid-task,
 * and a quick one. Prints the operator view as it changes and checks that the stalled attempt
 * timed out and was finished elsewhere, while the slow one succeeded without a false timeout.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoOutcome> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const deadline = Date.now() + (options.deadlineMs ?? 25_000);
  const began = Date.now();
  const say = (text: string) => print(`[+${((Date.now() - began) / 1000).toFixed(1)}s] ${text}`);

  // 1. A server on a fresh SQLite file, on the system clock.
  const directory = await mkdtemp(join(tmpdir(), 'vigil-demo-'));
  const config: Config = {
    host: '127.0.0.1',
    port: 0,
    store: `sqlite:${join(directory, 'demo.db')}`,
    heartbeatTimeoutMs,
    tickIntervalMs: 250,
    clock: 'system',
    operatorToken: undefined,
    workerToken: undefined,
    allowInsecure: false,
    logLevel: 'warn',
  };
  const server = await startServer(config, { logger: pino({ level: 'warn' }) });
  const client = new VigilClient({ url: server.url });
  say(`serving ${server.url} with a ${heartbeatTimeoutMs} ms heartbeat timeout`);

  // 2. Three workers; each is started once the rollout meant for it is the only one queued.
  const workers: WorkerHandle[] = [];
  let lateResultRefused = false;
  const heartbeats = new Map<string, number>();
  const release = signal();

  function start(workerId: string, handler: AttemptHandler, frozen = false): Promise<void> {
    const claimed = signal();
    const onEvent = (event: WorkerEvent) => {
      if (event.type === 'heartbeat' && event.activeAttempts.length > 0) {
        heartbeats.set(workerId, (heartbeats.get(workerId) ?? 0) + 1);
      } else if (event.type === 'claimed') {
        say(`${workerId} claimed ${event.claim.rolloutId} (attempt ${event.claim.attemptNumber})`);
        claimed.resolve();
      } else if (event.type === 'completed') {
        say(`${workerId} completed ${event.attempt.rolloutId}: ${event.status}`);
      } else if (event.type === 'completion_rejected') {
        const { error } = event;
        lateResultRefused = error instanceof VigilApiError && error.code === 'attempt_not_running';
        say(`${workerId}'s late result for ${event.attempt.rolloutId} was refused`);
      }
    };
    workers.push(
      runWorker({
        url: server.url,
        workerId,
        handler,
        heartbeatIntervalMs: heartbeatTimeoutMs / 3,
        idleBackoff: quick,
        maxCompletionRetries: 3,
        // A frozen process: its timers never fire, so it neither heartbeats nor polls again.
        timers: frozen ? createManualTimers() : undefined,
        onEvent,
      }),
    );
    return claimed.promise;
  }

  await client.enqueue({ rolloutId: 'render-video', input: { minutes: 90 } });
  await start('worker-slow', async (_input, { signal }) => {
    await delay(slowTaskMs, undefined, { signal });
    return { frames: 129_600 };
  });
  await client.enqueue({ rolloutId: 'backup-db', input: { database: 'orders' } });
  await start(
    'worker-stalls',
    async () => {
      say('worker-stalls froze mid-task: no more heartbeats');
      await release.promise;
      return { bytes: 0 };
    },
    true,
  );
  await client.enqueue({ rolloutId: 'send-email', input: { to: 'ops@example.com' } });
  await start('worker-quick', async () => {
    await delay(200);
    return { sent: true };
  });

  // 3. Watch as an operator would, until every rollout has ended or the deadline passes.
  let shown = '';
  let rollouts: RolloutView[] = [];
  while (Date.now() < deadline) {
    const [attempts, workerList, rolloutPage] = await Promise.all([
      client.listAttempts(),
      client.listWorkers(),
      client.listRollouts(),
    ]);
    rollouts = rolloutPage.items;
    const signature = signatureOf(attempts.items, workerList.items);
    if (signature !== shown) {
      shown = signature;
      say(`workers: ${workersLine(workerList.items)}`);
      print(attemptsTable(attempts.items, Date.now()).trimEnd());
    }
    const ended = rollouts.every(
      (rollout) => rollout.status === 'succeeded' || rollout.status === 'failed',
    );
    if (rollouts.length === 3 && ended) break;
    await delay(200);
  }

  // 4. Unfreeze the stalled worker: its result is late, and the server refuses it.
  release.resolve();
  await Promise.all(workers.map((worker) => worker.stop({ abort: true })));
  await server.close();
  await rm(directory, { recursive: true, force: true });

  const slowBeats = heartbeats.get('worker-slow') ?? 0;
  say(`worker-slow heartbeated ${slowBeats} times through a task of ${slowTaskMs / 1000} s`);
  const problems = checkOutcome(rollouts, lateResultRefused);
  say(problems.length === 0 ? 'outcome as expected' : `unexpected outcome: ${problems.join('; ')}`);
  return { ok: problems.length === 0, problems, rollouts };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outcome = await runDemo();
  process.exit(outcome.ok ? 0 : 1);
}
