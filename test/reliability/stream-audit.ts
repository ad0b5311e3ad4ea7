import type { VigilClient } from '../../src/app/client/client.ts';
import {
  evolveRollout,
  initialRolloutState,
  RolloutEvent,
  type RolloutState,
} from '../../src/domain/index.ts';
import type { Page, RolloutView, WorkerView } from '../../src/app/engine-api.ts';
import type { StoredEvent } from '../../src/eventstore/port.ts';
import { createSqliteStore } from '../../src/eventstore/sqlite.ts';

/** A rollout as its own stream says it is: the decider's state plus the rollout-level result. */
export interface AuditedRollout {
  state: Extract<RolloutState, { exists: true }>;
  output?: unknown;
  error?: string;
}

export interface Audit {
  rollouts: Map<string, AuditedRollout>;
  /** Every way a stream breaks the rules; empty when all is well. */
  problems: string[];
}

/** Reads the whole global log of a SQLite store file (another process may be using it). */
export async function readWholeLog(file: string): Promise<StoredEvent[]> {
  const store = createSqliteStore(file);
  try {
    return await store.readAll();
  } finally {
    await store.close();
  }
}

const attemptEnds = new Set(['AttemptSucceeded', 'AttemptFailed', 'AttemptTimedOut']);
const rolloutEnds: Record<string, string[]> = {
  AttemptSucceeded: ['RolloutSucceeded'],
  AttemptFailed: ['RolloutRequeued', 'RolloutFailed'],
  AttemptTimedOut: ['RolloutRequeued', 'RolloutFailed'],
};

/**
 * Rules on one rollout's events: it starts enqueued, and every attempt's end comes with its
 * rollout's move (requeued, succeeded, failed) in the same append.
 */
function auditEvents(rolloutId: string, events: StoredEvent[]): string[] {
  const problems: string[] = [];
  events.forEach((event, index) => {
    if (event.revision !== index)
      problems.push(`${rolloutId}: revision ${event.revision} at ${index}`);
    if ((index === 0) !== (event.type === 'RolloutEnqueued')) {
      problems.push(`${rolloutId}: ${event.type} at revision ${index}`);
    }
    const next = events[index + 1];
    const expected = rolloutEnds[event.type];
    if (expected) {
      const together = next && next.position === event.position + 1;
      if (!next || !expected.includes(next.type) || !together) {
        problems.push(`${rolloutId}: ${event.type} without ${expected.join(' or ')} in its append`);
      }
    }
    const previous = events[index - 1];
    if (event.type.startsWith('Rollout') && index > 0 && !attemptEnds.has(previous?.type ?? '')) {
      problems.push(`${rolloutId}: ${event.type} not preceded by an attempt's end`);
    }
  });
  return problems;
}

/** Rules on the folded state: the status agrees with the attempts. */
function auditState({ state }: AuditedRollout): string[] {
  const { rolloutId, status, attempts, maxAttempts } = state;
  const running = attempts.filter((a) => a.status === 'running');
  const last = attempts.at(-1);
  const earlierOk = attempts
    .slice(0, -1)
    .every((a) => a.status === 'failed' || a.status === 'timeout');
  const endedBadly = last?.status === 'failed' || last?.status === 'timeout';
  const ok = {
    queuing: attempts.length === 0,
    running: running.length === 1 && last?.status === 'running',
    requeuing: running.length === 0 && endedBadly && attempts.length < maxAttempts,
    failed: running.length === 0 && endedBadly && attempts.length === maxAttempts,
    succeeded: last?.status === 'succeeded',
  }[status];
  const numbered = attempts.every((a, i) => a.attemptNumber === i + 1);
  return ok && earlierOk && numbered
    ? []
    : [`${rolloutId}: ${status} with attempts ${attempts.map((a) => a.status).join(',')}`];
}

/** Folds every rollout stream of the log with the domain's own `evolve`, and checks its rules. */
export function auditRolloutStreams(log: StoredEvent[]): Audit {
  const streams = new Map<string, StoredEvent[]>();
  for (const event of log) {
    if (!event.stream.startsWith('rollout-')) continue;
    const events = streams.get(event.stream) ?? [];
    events.push(event);
    streams.set(event.stream, events);
  }

  const rollouts = new Map<string, AuditedRollout>();
  const problems: string[] = [];
  for (const [stream, events] of streams) {
    const rolloutId = stream.slice('rollout-'.length);
    problems.push(...auditEvents(rolloutId, events));
    let state: RolloutState = initialRolloutState;
    const audited: Omit<AuditedRollout, 'state'> = {};
    for (const stored of events) {
      const event = RolloutEvent.parse({ type: stored.type, data: stored.data });
      state = evolveRollout(state, event);
      if (event.type === 'RolloutSucceeded') audited.output = event.data.output;
      if (event.type === 'RolloutFailed') audited.error = event.data.error;
    }
    if (!state.exists) continue;
    const rollout = { ...audited, state };
    problems.push(...auditState(rollout));
    rollouts.set(rolloutId, rollout);
  }
  return { rollouts, problems };
}

/** Every item of a paged list. */
export async function allPages<T>(fetchPage: (after?: string) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let after: string | undefined;
  do {
    const page = await fetchPage(after);
    items.push(...page.items);
    after = page.next;
  } while (after !== undefined);
  return items;
}

/** A rollout view reduced to what its stream decides, for comparing the two. */
export function viewFacts(view: RolloutView) {
  return {
    status: view.status,
    maxAttempts: view.maxAttempts,
    input: view.input,
    output: view.output,
    error: view.error,
    attempts: view.attempts.map(({ attemptId, attemptNumber, workerId, status }) => ({
      attemptId,
      attemptNumber,
      workerId,
      status,
    })),
  };
}

export function streamFacts({ state, output, error }: AuditedRollout) {
  return {
    status: state.status,
    maxAttempts: state.maxAttempts,
    input: state.input,
    output,
    error,
    attempts: state.attempts.map(({ attemptId, attemptNumber, workerId, status }) => ({
      attemptId,
      attemptNumber,
      workerId,
      status,
    })),
  };
}

/** What a server's read models say: every rollout, and every worker's running attempts. */
export async function readModelsOf(client: VigilClient) {
  const rollouts = await allPages((after) => client.listRollouts({ limit: 1000, after }));
  const workers: WorkerView[] = await allPages((after) =>
    client.listWorkers({ limit: 1000, after }),
  );
  return { rollouts, workers };
}
