import type { AttemptRef, ClaimResult } from '../engine-api.ts';
import { VigilClient } from './client.ts';
import { AttemptCancelledError, isTransientError, WorkerStoppingError } from './errors.ts';
import { systemTimers } from './timers.ts';
import type { Backoff, RunWorkerOptions, WorkerEvent, WorkerHandle } from './worker-options.ts';

type AttemptResult =
  { status: 'succeeded'; output?: unknown } | { status: 'failed'; error: string };

interface RunningAttempt {
  claim: ClaimResult;
  controller: AbortController;
  /** Set once the server said the attempt is no longer ours: stop naming and reporting it. */
  cancelled: boolean;
  finished: Promise<void>;
}

const defaults = {
  concurrency: 1,
  heartbeatIntervalMs: 10_000,
  idleBackoff: { initialMs: 250, maxMs: 5000 },
  completionBackoff: { initialMs: 500, maxMs: 10_000 },
  maxCompletionRetries: 30,
};

const refOf = ({ rolloutId, attemptId }: AttemptRef): AttemptRef => ({ rolloutId, attemptId });

const nextDelay = (delay: number, backoff: Backoff) => Math.min(delay * 2, backoff.maxMs);

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The output as JSON can carry it, or the reason it cannot. */
function resultOf(output: unknown): AttemptResult {
  try {
    JSON.stringify(output);
    return output === undefined ? { status: 'succeeded' } : { status: 'succeeded', output };
  } catch (error) {
    return { status: 'failed', error: `the output is not JSON: ${errorMessage(error)}` };
  }
}

/**
 * Runs a worker: claims while it has free slots (backing off while the queue is empty), runs
 * `handler` for each attempt, heartbeats every `heartbeatIntervalMs` naming its attempts,
 * aborts a handler's signal when the server reports its attempt cancelled, and reports each
 * result, retrying a report that got no answer.
 */
export function runWorker(options: RunWorkerOptions): WorkerHandle {
  const { workerId, handler, onEvent, logger } = options;
  const concurrency = options.concurrency ?? defaults.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1000) {
    throw new RangeError(`concurrency must be an integer from 1 to 1000, got ${concurrency}`);
  }
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? defaults.heartbeatIntervalMs;
  const idleBackoff = options.idleBackoff ?? defaults.idleBackoff;
  const completionBackoff = options.completionBackoff ?? defaults.completionBackoff;
  const maxRetries = options.maxCompletionRetries ?? defaults.maxCompletionRetries;
  const timers = options.timers ?? systemTimers;
  const client =
    options.client ??
    new VigilClient({ url: options.url, token: options.token, fetch: options.fetch });

  const running = new Map<string, RunningAttempt>();
  let stopping = false;
  let idleDelay = idleBackoff.initialMs;
  let cancelIdleWait: (() => void) | undefined;
  let claimLoop: Promise<void> | undefined;
  let cancelHeartbeat: (() => void) | undefined;
  let heartbeatInFlight: Promise<void> | undefined;

  function emit(event: WorkerEvent): void {
    if (event.type === 'error' || event.type === 'completion_rejected') {
      logger?.warn({ workerId, ...event, err: event.error }, `worker ${event.type}`);
    } else if (event.type === 'cancelled') {
      logger?.info({ workerId, ...event.attempt }, 'attempt cancelled by the server');
    }
    onEvent?.(event);
  }

  const sleep = (ms: number) => new Promise<void>((resolve) => timers.setTimeout(resolve, ms));

  // Claiming: one loop at a time; it ends when the slots are full or the queue is empty.
  function waitWhileIdle(retryInMs: number): void {
    cancelIdleWait = timers.setTimeout(() => {
      cancelIdleWait = undefined;
      fillSlots();
    }, retryInMs);
    idleDelay = nextDelay(idleDelay, idleBackoff);
    emit({ type: 'idle', retryInMs });
  }

  async function claimWhileFree(): Promise<void> {
    while (!stopping && running.size < concurrency) {
      let claim: ClaimResult | null;
      try {
        claim = await client.claim(workerId);
      } catch (error) {
        emit({ type: 'error', operation: 'claim', error });
        if (!stopping) waitWhileIdle(idleBackoff.maxMs);
        return;
      }
      if (claim === null) {
        if (!stopping) waitWhileIdle(idleDelay);
        return;
      }
      idleDelay = idleBackoff.initialMs;
      startAttempt(claim);
    }
  }

  function fillSlots(): void {
    if (claimLoop || stopping || cancelIdleWait) return;
    claimLoop = claimWhileFree().finally(() => {
      claimLoop = undefined;
    });
  }

  // Running: the handler, then its report; the slot frees once the report is settled.
  async function runHandler(entry: RunningAttempt): Promise<AttemptResult> {
    const { claim, controller } = entry;
    const attempt = { ...refOf(claim), attemptNumber: claim.attemptNumber, workerId };
    try {
      return resultOf(await handler(claim.input, { signal: controller.signal, attempt }));
    } catch (error) {
      return { status: 'failed', error: errorMessage(error) };
    }
  }

  async function report(entry: RunningAttempt, result: AttemptResult): Promise<void> {
    const attempt = refOf(entry.claim);
    let delay = completionBackoff.initialMs;
    for (let retries = 0; !entry.cancelled; retries += 1) {
      try {
        await client.complete({ ...attempt, workerId, ...result });
        emit({ type: 'completed', attempt, status: result.status });
        return;
      } catch (error) {
        if (!isTransientError(error) || retries >= maxRetries) {
          emit({ type: 'completion_rejected', attempt, error });
          return;
        }
        emit({ type: 'completion_retry', attempt, error, retryInMs: delay });
        await sleep(delay);
        delay = nextDelay(delay, completionBackoff);
      }
    }
  }

  function startAttempt(claim: ClaimResult): void {
    const entry: RunningAttempt = {
      claim,
      controller: new AbortController(),
      cancelled: false,
      finished: Promise.resolve(),
    };
    running.set(claim.attemptId, entry);
    emit({ type: 'claimed', claim });
    entry.finished = (async () => {
      const result = await runHandler(entry);
      if (!entry.cancelled) await report(entry, result);
      running.delete(claim.attemptId);
      fillSlots();
    })();
  }

  // Heartbeating: on a timer chain, so two heartbeats never overlap.
  async function heartbeat(): Promise<void> {
    const activeAttempts = [...running.values()]
      .filter((entry) => !entry.cancelled)
      .map((entry) => refOf(entry.claim));
    try {
      const { cancelledAttempts } = await client.heartbeat(workerId, activeAttempts);
      emit({ type: 'heartbeat', activeAttempts, cancelledAttempts });
      for (const cancelled of cancelledAttempts) {
        const entry = running.get(cancelled.attemptId);
        if (!entry || entry.cancelled || entry.claim.rolloutId !== cancelled.rolloutId) continue;
        entry.cancelled = true;
        entry.controller.abort(
          new AttemptCancelledError(cancelled.rolloutId, cancelled.attemptId, cancelled.status),
        );
        emit({ type: 'cancelled', attempt: cancelled });
      }
    } catch (error) {
      emit({ type: 'error', operation: 'heartbeat', error });
    }
  }

  function scheduleHeartbeat(): void {
    cancelHeartbeat = timers.setTimeout(() => {
      heartbeatInFlight = heartbeat().finally(() => {
        heartbeatInFlight = undefined;
        if (cancelHeartbeat) scheduleHeartbeat();
      });
    }, heartbeatIntervalMs);
  }

  async function stop(abort: boolean): Promise<void> {
    stopping = true;
    cancelIdleWait?.();
    cancelIdleWait = undefined;
    await claimLoop;

    if (abort) {
      for (const entry of running.values()) entry.controller.abort(new WorkerStoppingError());
    }
    await Promise.all([...running.values()].map((entry) => entry.finished));

    cancelHeartbeat?.();
    cancelHeartbeat = undefined;
    await heartbeatInFlight;
    emit({ type: 'stopped' });
  }

  scheduleHeartbeat();
  fillSlots();

  let stopped: Promise<void> | undefined;
  return {
    workerId,
    activeAttempts: () => [...running.values()].map((entry) => refOf(entry.claim)),
    stop: (stopOptions = {}) => (stopped ??= stop(stopOptions.abort ?? false)),
  };
}
