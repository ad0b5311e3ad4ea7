import type { AppendResult, ExpectedRevision } from './port.ts';
import type { EncodedEvent } from './store-input.ts';

/** One append, validated and encoded, waiting for the batch it joined. */
export interface PendingAppend {
  stream: string;
  events: EncodedEvent[];
  expected: ExpectedRevision;
}

/**
 * Writes a batch in one transaction and answers, in order, each append's result or the error
 * that failed that append alone; throws when the whole batch failed.
 */
export type BatchWriter = (batch: readonly PendingAppend[]) => (AppendResult | Error)[];

export interface AppendBatcher {
  append(request: PendingAppend): Promise<AppendResult>;
  /** Writes the appends queued so far, now, without waiting for a busy lock (before close). */
  flush(): void;
}

export interface BusyPolicy {
  /** True when the write failed only because another connection holds the write lock. */
  isBusy(error: unknown): boolean;
  /** How long a batch may wait for the lock before it fails with `timedOut`'s error. */
  waitMs: number;
  timedOut(error: unknown): Error;
}

interface Queued {
  request: PendingAppend;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

const FIRST_RETRY_MS = 2;
const LONGEST_RETRY_MS = 50;

/**
 * Group commit: appends made in the same run of microtasks (concurrent commands woken by the
 * same projection update, say) share one transaction, so they pay for one commit instead of
 * one each. Each append still checks its own expected revision. A lone append waits one
 * microtask, not a turn of the event loop.
 *
 * While another connection holds the write lock, the batch is retried on a timer rather than
 * waited for inside SQLite (which would block the whole process, reads included); appends made
 * meanwhile queue behind it, in order, and join it at the next try.
 */
export function createAppendBatcher(write: BatchWriter, busy: BusyPolicy): AppendBatcher {
  let queue: Queued[] = [];
  let waitingSince: number | undefined;
  let retryInMs = FIRST_RETRY_MS;
  let retryTimer: NodeJS.Timeout | undefined;

  const settle = (batch: Queued[], outcomes: (AppendResult | Error)[]): void => {
    batch.forEach((queued, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) queued.reject(new Error('the batch lost an append'));
      else if (outcome instanceof Error) queued.reject(outcome);
      else queued.resolve(outcome);
    });
  };

  // Schedules another try; false once the batch has waited as long as it may.
  const retryLater = (): boolean => {
    const now = Date.now();
    waitingSince ??= now;
    if (now - waitingSince >= busy.waitMs) return false;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      flush(true);
    }, retryInMs);
    retryInMs = Math.min(retryInMs * 2, LONGEST_RETRY_MS);
    return true;
  };

  function flush(mayWait: boolean): void {
    if (queue.length === 0 || retryTimer) return;
    const batch = queue;
    queue = [];
    let outcomes: (AppendResult | Error)[];
    try {
      outcomes = write(batch.map((queued) => queued.request));
    } catch (error) {
      if (busy.isBusy(error) && mayWait && retryLater()) {
        queue = [...batch, ...queue];
        return;
      }
      const failure = busy.isBusy(error) ? busy.timedOut(error) : error;
      outcomes = batch.map(() => (failure instanceof Error ? failure : new Error(String(failure))));
    }
    waitingSince = undefined;
    retryInMs = FIRST_RETRY_MS;
    settle(batch, outcomes);
    if (queue.length > 0) queueMicrotask(() => flush(true));
  }

  return {
    append(request) {
      return new Promise((resolve, reject) => {
        queue.push({ request, resolve, reject });
        if (queue.length === 1 && !retryTimer) queueMicrotask(() => flush(true));
      });
    },
    flush() {
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      flush(false);
    },
  };
}

/** Runs `work`, trying again on a timer while another connection holds the write lock. */
export async function retryWhileBusy<T>(work: () => T, busy: BusyPolicy): Promise<T> {
  const started = Date.now();
  for (let retryInMs = FIRST_RETRY_MS; ; retryInMs = Math.min(retryInMs * 2, LONGEST_RETRY_MS)) {
    try {
      return work();
    } catch (error) {
      if (!busy.isBusy(error)) throw error;
      if (Date.now() - started >= busy.waitMs) throw busy.timedOut(error);
    }
    await new Promise((resolve) => setTimeout(resolve, retryInMs));
  }
}
