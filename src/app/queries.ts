import {
  workerStatus,
  type AttemptRecord,
  type RolloutRecord,
  type WorkerRecord,
} from '../projections/index.ts';
import type {
  AttemptRef,
  AttemptStatus,
  AttemptView,
  Page,
  PageRequest,
  RolloutStatus,
  RolloutView,
  WorkerView,
} from './engine-api.ts';
import type { EngineContext } from './engine-context.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The latest heartbeat received for an attempt, including one the throttle held back. */
export function attemptLastHeartbeat(ctx: EngineContext, attempt: AttemptRecord): number {
  if (attempt.status !== 'running') return attempt.lastHeartbeatAt;
  const pending = ctx.liveness.pendingFor(attempt.workerId, attempt);
  return pending === undefined
    ? attempt.lastHeartbeatAt
    : Math.max(pending, attempt.lastHeartbeatAt);
}

/** A worker's last sign of life, including claims and held-back heartbeats. */
export function workerLastHeartbeat(ctx: EngineContext, worker: WorkerRecord): number {
  return Math.max(worker.lastHeartbeatAt, ctx.liveness.lastSeenAt(worker.workerId) ?? -Infinity);
}

export function attemptView(ctx: EngineContext, attempt: AttemptRecord): AttemptView {
  const view: AttemptView = {
    rolloutId: attempt.rolloutId,
    attemptId: attempt.attemptId,
    attemptNumber: attempt.attemptNumber,
    workerId: attempt.workerId,
    status: attempt.status,
    startedAt: iso(attempt.startedAt),
    lastHeartbeatAt: iso(attemptLastHeartbeat(ctx, attempt)),
  };
  if (attempt.endedAt !== undefined) view.endedAt = iso(attempt.endedAt);
  if (attempt.status === 'timeout') view.timeoutReason = 'heartbeat';
  return view;
}

export function rolloutView(ctx: EngineContext, rollout: RolloutRecord): RolloutView {
  const view: RolloutView = {
    rolloutId: rollout.rolloutId,
    status: rollout.status,
    maxAttempts: rollout.maxAttempts,
    input: rollout.input,
    attempts: rollout.attempts.map((attempt) => attemptView(ctx, attempt)),
  };
  if (rollout.heartbeatTimeoutMs !== undefined)
    view.heartbeatTimeoutMs = rollout.heartbeatTimeoutMs;
  if (rollout.output !== undefined) view.output = rollout.output;
  if (rollout.error !== undefined) view.error = rollout.error;
  return view;
}

export function workerView(ctx: EngineContext, worker: WorkerRecord): WorkerView {
  const lastHeartbeatAt = workerLastHeartbeat(ctx, worker);
  const now = ctx.clock.now();
  const activeAttempts: AttemptRef[] = [];
  for (const key of worker.running) {
    const attempt = ctx.models.attempts.get(key);
    if (attempt)
      activeAttempts.push({ rolloutId: attempt.rolloutId, attemptId: attempt.attemptId });
  }
  return {
    workerId: worker.workerId,
    status: workerStatus(worker, lastHeartbeatAt, now, ctx.heartbeatTimeoutMs),
    lastHeartbeatAt: iso(lastHeartbeatAt),
    activeAttempts,
  };
}

const DEFAULT_LIMIT = 100;

/** One page of `items` (in creation order, `seq` = index) that pass `keep`, after the cursor. */
function paginate<R extends { seq: number }, V>(
  items: readonly R[],
  query: PageRequest,
  keep: (item: R) => boolean,
  view: (item: R) => V,
): Page<V> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const start = query.after === undefined ? 0 : Number(query.after) + 1;
  const page: R[] = [];
  for (let i = start; i < items.length; i++) {
    const item = items[i];
    if (!item || !keep(item)) continue;
    if (page.length === limit) {
      const last = page.at(-1);
      return { items: page.map(view), ...(last ? { next: String(last.seq) } : {}) };
    }
    page.push(item);
  }
  return { items: page.map(view) };
}

export function createQueries(ctx: EngineContext) {
  const { models } = ctx;
  return {
    getRollout(rolloutId: string): RolloutView | undefined {
      const rollout = models.rollouts.get(rolloutId);
      return rollout && rolloutView(ctx, rollout);
    },
    listRollouts(query: PageRequest & { status?: RolloutStatus }): Page<RolloutView> {
      const { status } = query;
      return paginate(
        models.rolloutOrder,
        query,
        (r) => status === undefined || r.status === status,
        (r) => rolloutView(ctx, r),
      );
    },
    listAttempts(
      query: PageRequest & { status?: AttemptStatus; workerId?: string; rolloutId?: string },
    ): Page<AttemptView> {
      const { status, workerId, rolloutId } = query;
      const keep = (a: AttemptRecord): boolean =>
        (status === undefined || a.status === status) &&
        (workerId === undefined || a.workerId === workerId) &&
        (rolloutId === undefined || a.rolloutId === rolloutId);
      return paginate(models.attemptOrder, query, keep, (a) => attemptView(ctx, a));
    },
    getWorker(workerId: string): WorkerView | undefined {
      const worker = models.workers.get(workerId);
      return worker && workerView(ctx, worker);
    },
    listWorkers(query: PageRequest): Page<WorkerView> {
      return paginate(
        models.workerOrder,
        query,
        () => true,
        (w) => workerView(ctx, w),
      );
    },
  };
}
