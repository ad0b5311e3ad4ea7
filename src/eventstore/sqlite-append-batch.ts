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
  /** Writes the appends queued so far, now (the store flushes before it closes). */
  flush(): void;
}

interface Queued {
  request: PendingAppend;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

/**
 * Group commit: appends made in the same run of microtasks (concurrent commands woken by the
 * same projection update, say) share one transaction, so they pay for one commit instead of
 * one each. Each append still checks its own expected revision. A lone append waits one
 * microtask, not a turn of the event loop.
 */
export function createAppendBatcher(write: BatchWriter): AppendBatcher {
  let queue: Queued[] = [];

  const flush = (): void => {
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    let outcomes: (AppendResult | Error)[];
    try {
      outcomes = write(batch.map((queued) => queued.request));
    } catch (error) {
      for (const queued of batch) queued.reject(error);
      return;
    }
    batch.forEach((queued, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined) queued.reject(new Error('the batch lost an append'));
      else if (outcome instanceof Error) queued.reject(outcome);
      else queued.resolve(outcome);
    });
  };

  return {
    append(request) {
      return new Promise((resolve, reject) => {
        queue.push({ request, resolve, reject });
        if (queue.length === 1) queueMicrotask(flush);
      });
    },
    flush,
  };
}
