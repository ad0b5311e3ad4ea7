import type { Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { EventStore } from '../eventstore/port.ts';
import type { Clock } from './clock.ts';

/** A reference to one attempt of one rollout, as workers name them in heartbeats. */
export interface AttemptRef {
  rolloutId: string;
  attemptId: string;
}

export type RolloutStatus = 'queuing' | 'running' | 'requeuing' | 'succeeded' | 'failed';
export type AttemptStatus = 'running' | 'succeeded' | 'failed' | 'timeout';
export type WorkerStatus = 'active' | 'idle' | 'stale';

/** An attempt as the API shows it; times are ISO-8601 strings from the engine's clock. */
export interface AttemptView {
  rolloutId: string;
  attemptId: string;
  attemptNumber: number;
  workerId: string;
  status: AttemptStatus;
  startedAt: string;
  lastHeartbeatAt: string;
  endedAt?: string;
  timeoutReason?: 'heartbeat';
}

export interface RolloutView {
  rolloutId: string;
  status: RolloutStatus;
  maxAttempts: number;
  heartbeatTimeoutMs?: number;
  input: unknown;
  output?: unknown;
  error?: string;
  attempts: AttemptView[];
}

export interface WorkerView {
  workerId: string;
  status: WorkerStatus;
  lastHeartbeatAt: string;
  activeAttempts: AttemptRef[];
}

export interface Page<T> {
  items: T[];
  /** Present when more items follow: pass it as `after` to get the next page. */
  next?: string;
}

export interface PageRequest {
  limit?: number;
  after?: string;
}

/** A command refused by the state it met. Codes are the API's (`not_found`, `not_assigned`, …). */
export interface Rejection {
  code: string;
  message: string;
  details?: unknown;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export interface EnqueueRequest {
  rolloutId?: string;
  input?: unknown;
  maxAttempts?: number;
  heartbeatTimeoutMs?: number;
}

export interface EnqueueResult {
  /** False when the same rollout was enqueued before with the same body. */
  created: boolean;
  rollout: RolloutView;
}

export interface ClaimResult {
  rolloutId: string;
  attemptId: string;
  attemptNumber: number;
  input: unknown;
}

export interface CancelledAttempt extends AttemptRef {
  status: AttemptStatus | 'unknown';
}

export interface CompleteRequest {
  rolloutId: string;
  attemptId: string;
  workerId: string;
  status: 'succeeded' | 'failed';
  output?: unknown;
  error?: string;
}

export interface EngineOptions {
  store: EventStore;
  clock: Clock;
  /** Default silence after which a running attempt is stale, and a worker too. */
  heartbeatTimeoutMs: number;
  tickIntervalMs: number;
  logger?: Logger;
}

/** An event as the read models received it. */
export interface ProjectedEvent {
  position: number;
  type: string;
  data: unknown;
}

/** Counters an operator scrapes; the HTTP layer exposes them on `/metrics`. */
export interface EngineStats {
  heartbeatsReceived: number;
  heartbeatsAppended: number;
}

/** The engine facade: commands, queries, and its lifetime. The HTTP server and tests use it. */
export interface Engine {
  readonly clock: Clock;
  readonly store: EventStore;
  readonly heartbeatTimeoutMs: number;
  readonly tickIntervalMs: number;

  /** Rebuilds the read models from the store, then starts the saga and the ticker. */
  start(): Promise<void>;
  /** Stops the ticker and the saga and waits for in-flight work; does not close the store. */
  stop(): Promise<void>;

  enqueue(request: EnqueueRequest): Promise<Outcome<EnqueueResult>>;
  /** The claimable rollout that waited longest, started as a new attempt; null when none. */
  claim(workerId: string): Promise<ClaimResult | null>;
  heartbeat(
    workerId: string,
    activeAttempts: AttemptRef[],
  ): Promise<{ cancelledAttempts: CancelledAttempt[] }>;
  complete(
    request: CompleteRequest,
  ): Promise<Outcome<{ rollout: RolloutView; attempt: AttemptView }>>;
  /** Manual clock only: moves time, appends due ticks, resolves once the saga acted on them. */
  advanceClock(ms: number): Promise<Outcome<{ now: string }>>;

  getRollout(rolloutId: string): RolloutView | undefined;
  listRollouts(query: PageRequest & { status?: RolloutStatus }): Page<RolloutView>;
  listAttempts(
    query: PageRequest & { status?: AttemptStatus; workerId?: string; rolloutId?: string },
  ): Page<AttemptView>;
  getWorker(workerId: string): WorkerView | undefined;
  listWorkers(query: PageRequest): Page<WorkerView>;

  /** Global position the read models have reached (-1 before any event). */
  projectionPosition(): number;
  /** Every Vigil event, once the read models include it. */
  readonly projected$: Observable<ProjectedEvent>;
  stats(): EngineStats;
}
