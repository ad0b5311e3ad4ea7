import type { Logger } from 'pino';
import type { AttemptRef, CancelledAttempt, ClaimResult } from '../engine-api.ts';
import type { VigilClient } from './client.ts';
import type { WorkerTimers } from './timers.ts';

/** What a handler learns about the attempt it runs. */
export interface AttemptContext {
  /** Aborted when the attempt is cancelled by the server, or by `stop({ abort: true })`. */
  signal: AbortSignal;
  attempt: { rolloutId: string; attemptId: string; attemptNumber: number; workerId: string };
}

/** Runs one attempt: its return value is the output, a thrown error's message the failure. */
export type AttemptHandler = (input: unknown, context: AttemptContext) => unknown;

/** Something a worker did, for logs, dashboards and tests. */
export type WorkerEvent =
  | { type: 'claimed'; claim: ClaimResult }
  | { type: 'idle'; retryInMs: number }
  | { type: 'heartbeat'; activeAttempts: AttemptRef[]; cancelledAttempts: CancelledAttempt[] }
  | { type: 'cancelled'; attempt: CancelledAttempt }
  | { type: 'completed'; attempt: AttemptRef; status: 'succeeded' | 'failed' }
  | { type: 'completion_retry'; attempt: AttemptRef; error: unknown; retryInMs: number }
  | { type: 'completion_rejected'; attempt: AttemptRef; error: unknown }
  | { type: 'error'; operation: 'claim' | 'heartbeat'; error: unknown }
  | { type: 'stopped' };

/** A backoff that starts at `initialMs` and doubles up to `maxMs`. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export interface RunWorkerOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:7070`. */
  url: string;
  workerId: string;
  /** How many attempts may run at once (1–1000, default 1). */
  concurrency?: number;
  handler: AttemptHandler;
  /** The worker (or operator) token, when the server requires one. */
  token?: string;
  /**
   * How often to heartbeat. Default 10 s, a third of the server's default 30 s heartbeat
   * timeout; set it to a third of the shortest timeout your rollouts use.
   */
  heartbeatIntervalMs?: number;
  /** Polling while the queue is empty (default 250 ms doubling to 5 s). */
  idleBackoff?: Backoff;
  /** Retrying a completion that got no answer (default 500 ms doubling to 10 s). */
  completionBackoff?: Backoff;
  /** Completion retries before giving the result up (default 30); the attempt then times out. */
  maxCompletionRetries?: number;
  /** Timer functions (default: the system's); pass manual ones to drive the worker in tests. */
  timers?: WorkerTimers;
  /** A client to use instead of one built from `url`, `token` and `fetch`. */
  client?: VigilClient;
  fetch?: typeof fetch;
  onEvent?: (event: WorkerEvent) => void;
  /** Where cancellations and errors are logged (default: nowhere; use `onEvent`). */
  logger?: Logger;
}

/** A running worker. */
export interface WorkerHandle {
  readonly workerId: string;
  /** Attempts this worker is running or still reporting. */
  activeAttempts(): AttemptRef[];
  /**
   * Stops claiming, waits for running attempts to finish and report, then stops heartbeating.
   * With `abort: true` it first aborts every handler's signal.
   */
  stop(options?: { abort?: boolean }): Promise<void>;
}
