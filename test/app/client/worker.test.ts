import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VigilClient } from '../../../src/app/client/client.ts';
import {
  AttemptCancelledError,
  VigilApiError,
  VigilUnreachableError,
  WorkerStoppingError,
} from '../../../src/app/client/errors.ts';
import { createManualTimers, type ManualTimers } from '../../../src/app/client/timers.ts';
import { runWorker } from '../../../src/app/client/worker.ts';
import type { AttemptContext, WorkerHandle } from '../../../src/app/client/worker-options.ts';
import { startTestServer, type TestServer } from '../http/server-harness.ts';
import { deferred, instrumentedFetch, recordEvents } from './worker-harness.ts';

interface Job {
  input: unknown;
  context: AttemptContext;
  finish(output: unknown): void;
  fail(error: Error): void;
}

/** A handler whose attempts the test finishes by hand; each rejects when its signal aborts. */
function manualHandler() {
  const started: Job[] = [];
  let announce = deferred<void>();
  const handler = (input: unknown, context: AttemptContext) =>
    new Promise<unknown>((resolve, reject) => {
      context.signal.addEventListener('abort', () => reject(context.signal.reason));
      started.push({ input, context, finish: resolve, fail: reject });
      announce.resolve();
    });
  return {
    handler,
    started,
    async job(index: number): Promise<Job> {
      while (!started[index]) {
        await announce.promise;
        announce = deferred<void>();
      }
      return started[index];
    },
  };
}

describe('runWorker against a real server', () => {
  let server: TestServer;
  let client: VigilClient;
  let timers: ManualTimers;
  let log: ReturnType<typeof recordEvents>;
  let net: ReturnType<typeof instrumentedFetch>;
  let jobs: ReturnType<typeof manualHandler>;
  const workers: WorkerHandle[] = [];

  beforeEach(async () => {
    server = await startTestServer();
    client = new VigilClient({ url: server.url });
    timers = createManualTimers();
    log = recordEvents();
    net = instrumentedFetch();
    jobs = manualHandler();
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop({ abort: true })));
    await server.close();
  });

  function start(options: { concurrency?: number } = {}): WorkerHandle {
    const worker = runWorker({
      url: server.url,
      workerId: 'w1',
      handler: jobs.handler,
      timers,
      fetch: net.fetch,
      onEvent: log.onEvent,
      ...options,
    });
    workers.push(worker);
    return worker;
  }

  it('runs the handler with the input and attempt, and completes with its return value', async () => {
    await client.enqueue({ rolloutId: 'r1', input: { n: 2 } });
    start();

    const job = await jobs.job(0);
    expect(job.input).toEqual({ n: 2 });
    expect(job.context.attempt).toMatchObject({
      rolloutId: 'r1',
      attemptNumber: 1,
      workerId: 'w1',
    });
    job.finish({ doubled: 4 });

    expect(await log.next('completed')).toMatchObject({ status: 'succeeded' });
    expect(await client.getRollout('r1')).toMatchObject({
      status: 'succeeded',
      output: { doubled: 4 },
    });
  });

  it("completes with failed and the thrown error's message, which requeues the rollout", async () => {
    await client.enqueue({ rolloutId: 'r1', maxAttempts: 2 });
    start();
    (await jobs.job(0)).fail(new Error('disk full'));

    expect(await log.next('completed')).toMatchObject({ status: 'failed' });
    const second = await jobs.job(1);
    expect(second.context.attempt.attemptNumber).toBe(2);
    expect((await client.getRollout('r1')).attempts[0]).toMatchObject({ status: 'failed' });
  });

  it('backs off while the queue is empty, and claims promptly once work arrives', async () => {
    start();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { retryInMs } = await log.next('idle');
      delays.push(retryInMs);
      if (i < 5) timers.advance(retryInMs);
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 5000]);

    await client.enqueue({ rolloutId: 'r1' });
    timers.advance(5000);
    expect((await log.next('claimed')).claim.rolloutId).toBe('r1');
  });

  it('keeps at most `concurrency` attempts running, claiming again as a slot frees', async () => {
    for (const rolloutId of ['a', 'b', 'c']) await client.enqueue({ rolloutId });
    start({ concurrency: 2 });

    await jobs.job(1);
    expect(jobs.started).toHaveLength(2);
    expect(net.requests.filter((request) => request.endsWith('/claim'))).toHaveLength(2);

    (await jobs.job(0)).finish('done');
    expect((await jobs.job(2)).context.attempt.rolloutId).toBe('c');
  });

  it('heartbeats every interval naming every active attempt, so a long attempt never times out', async () => {
    for (const rolloutId of ['a', 'b']) await client.enqueue({ rolloutId });
    start({ concurrency: 2 });
    await jobs.job(1);

    // Two minutes of work: the worker heartbeats every 10 s, the server's timeout is 30 s.
    for (let elapsed = 0; elapsed < 120_000; elapsed += 10_000) {
      timers.advance(10_000);
      const heartbeat = await log.next('heartbeat');
      expect(heartbeat.activeAttempts.map((ref) => ref.rolloutId).sort()).toEqual(['a', 'b']);
      expect(heartbeat.cancelledAttempts).toEqual([]);
      await server.advance(10_000);
    }

    expect((await client.listAttempts({ status: 'running' })).items).toHaveLength(2);
    (await jobs.job(0)).finish(1);
    (await jobs.job(1)).finish(2);
    await log.next('completed');
    await log.next('completed');
    expect((await client.listRollouts({ status: 'succeeded' })).items).toHaveLength(2);
  });

  it('aborts the signal of a zombie attempt the server timed out, and does not complete it', async () => {
    await client.enqueue({ rolloutId: 'r1', maxAttempts: 2 });
    start();
    const zombie = await jobs.job(0);

    // The worker is silent for longer than the timeout (its timers do not move), then heartbeats.
    await server.advance(31_000);
    timers.advance(10_000);

    const { attempt } = await log.next('cancelled');
    expect(attempt).toMatchObject({ rolloutId: 'r1', status: 'timeout' });
    expect(zombie.context.signal.aborted).toBe(true);
    expect(zombie.context.signal.reason).toBeInstanceOf(AttemptCancelledError);
    expect(zombie.context.signal.reason).toMatchObject({ status: 'timeout' });

    // The freed slot takes the requeued rollout; the zombie never reported.
    expect((await jobs.job(1)).context.attempt.attemptNumber).toBe(2);
    expect(net.requests.filter((request) => request.endsWith('/complete'))).toEqual([]);
    expect((await client.getRollout('r1')).attempts[0]).toMatchObject({ status: 'timeout' });
  });

  it('retries a completion whose answer was lost, and the repeat is accepted', async () => {
    await client.enqueue({ rolloutId: 'r1' });
    start();
    net.loseNextCompletionAnswer();
    (await jobs.job(0)).finish('result');

    const retry = await log.next('completion_retry');
    expect(retry.error).toBeInstanceOf(VigilUnreachableError);
    expect(retry.retryInMs).toBe(500);
    timers.advance(500);

    expect(await log.next('completed')).toMatchObject({ status: 'succeeded' });
    expect(net.requests.filter((request) => request.endsWith('/complete'))).toHaveLength(2);
    const rollout = await client.getRollout('r1');
    expect(rollout).toMatchObject({ status: 'succeeded', output: 'result' });
    expect(rollout.attempts).toHaveLength(1);
  });

  it('does not retry a completion the server refuses, such as a late result', async () => {
    await client.enqueue({ rolloutId: 'r1' });
    start();
    const job = await jobs.job(0);
    await server.advance(31_000);
    job.finish('too late');

    const { error } = await log.next('completion_rejected');
    expect(error).toBeInstanceOf(VigilApiError);
    expect(error).toMatchObject({ code: 'attempt_not_running', status: 409 });
    expect(log.ofType('completion_retry')).toEqual([]);
  });

  it('stops claiming on stop, lets the running attempt finish and report, then goes quiet', async () => {
    await client.enqueue({ rolloutId: 'r1' });
    await client.enqueue({ rolloutId: 'r2' });
    const worker = start();
    const job = await jobs.job(0);

    const stopped = worker.stop();
    timers.advance(10_000);
    expect((await log.next('heartbeat')).activeAttempts).toHaveLength(1);
    job.finish('ok');
    await stopped;

    expect(log.ofType('stopped')).toHaveLength(1);
    expect(timers.pending()).toBe(0);
    const requestsAtStop = net.requests.length;
    timers.advance(60_000);
    expect(net.requests).toHaveLength(requestsAtStop);
    expect(await client.getRollout('r1')).toMatchObject({ status: 'succeeded' });
    expect(await client.getRollout('r2')).toMatchObject({ status: 'queuing' });
  });

  it('aborts running handlers on stop({ abort: true }) and reports them failed', async () => {
    await client.enqueue({ rolloutId: 'r1', maxAttempts: 2 });
    const worker = start();
    const job = await jobs.job(0);

    await worker.stop({ abort: true });
    expect(job.context.signal.reason).toBeInstanceOf(WorkerStoppingError);
    expect(await client.getRollout('r1')).toMatchObject({
      status: 'requeuing',
      attempts: [{ status: 'failed' }],
    });
  });

  it('refuses a concurrency outside 1 to 1000', () => {
    expect(() => start({ concurrency: 0 })).toThrow(RangeError);
    expect(() => start({ concurrency: 1001 })).toThrow(RangeError);
  });
});
