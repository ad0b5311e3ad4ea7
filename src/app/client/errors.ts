/** Every error the client throws; `code` is stable, so callers can branch on it. */
export class VigilError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VigilError';
  }
}

/**
 * The server answered with an error: `code` is the API's (`not_found`, `attempt_not_running`,
 * `unauthorized`, …) and `status` the HTTP status.
 */
export class VigilApiError extends VigilError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(code, message);
    this.name = 'VigilApiError';
  }
}

/**
 * No answer came back: the server could not be reached, the connection broke, or it took
 * longer than the client's timeout. A command may or may not have been applied.
 */
export class VigilUnreachableError extends VigilError {
  constructor(
    readonly url: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('unreachable', `cannot reach ${url}: ${reason}`, options);
    this.name = 'VigilUnreachableError';
  }
}

/** The server answered with something this client does not understand. */
export class VigilResponseError extends VigilError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super('invalid_response', message);
    this.name = 'VigilResponseError';
  }
}

/** True for errors worth retrying as they are: no answer, a store outage, a shutdown. */
export function isTransientError(error: unknown): boolean {
  if (error instanceof VigilUnreachableError) return true;
  return error instanceof VigilApiError && (error.status === 503 || error.status === 502);
}

/**
 * The reason a handler's `signal` is aborted when the server says its attempt is no longer
 * running on this worker (it timed out, or another worker or result ended it).
 */
export class AttemptCancelledError extends VigilError {
  constructor(
    readonly rolloutId: string,
    readonly attemptId: string,
    readonly status: string,
  ) {
    super(
      'attempt_cancelled',
      `attempt ${attemptId} of ${rolloutId} is no longer ours (${status})`,
    );
    this.name = 'AttemptCancelledError';
  }
}

/** The reason a handler's `signal` is aborted by `stop({ abort: true })`. */
export class WorkerStoppingError extends VigilError {
  constructor() {
    super('worker_stopping', 'the worker is stopping');
    this.name = 'WorkerStoppingError';
  }
}
