import type { z } from 'zod';
import type {
  AttemptRef,
  AttemptStatus,
  AttemptView,
  CancelledAttempt,
  ClaimResult,
  CompleteRequest,
  EnqueueRequest,
  Page,
  PageRequest,
  RolloutStatus,
  RolloutView,
  WorkerView,
} from '../engine-api.ts';
import { VigilApiError, VigilResponseError, VigilUnreachableError } from './errors.ts';
import {
  advanceClockResponseSchema,
  attemptViewSchema,
  claimSchema,
  completeResponseSchema,
  enqueuedSchema,
  errorBodySchema,
  healthSchema,
  heartbeatResponseSchema,
  pageSchema,
  rolloutViewSchema,
  workerViewSchema,
  type Health,
} from './views.ts';

export interface VigilClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:7070`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Give up on a request after this long (default 30 s); it then counts as unreachable. */
  timeoutMs?: number;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
}

/** `created` is false when the rollout already existed with the same body. */
export type EnqueueResponse =
  | { created: true; rolloutId: string; status: RolloutStatus }
  | { created: false; rolloutId: string; status: RolloutStatus; rollout: RolloutView };

type Query = Record<string, string | number | undefined>;

interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  query?: Query;
  body?: unknown;
}

const segment = encodeURIComponent;

function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'no answer before the timeout';
  const cause: unknown = error.cause;
  if (!(cause instanceof Error)) return error.message;
  return 'code' in cause && typeof cause.code === 'string' ? cause.code : cause.message;
}

/**
 * A typed client for every route of the Vigil HTTP API. Errors are thrown as
 * {@link VigilApiError} (with the API's `code` and HTTP `status`), {@link VigilUnreachableError}
 * or {@link VigilResponseError}.
 */
export class VigilClient {
  readonly url: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #fetch: typeof fetch;

  constructor(options: VigilClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** Enqueues a rollout; repeating a `rolloutId` with the same body is safe. */
  async enqueue(request: EnqueueRequest = {}): Promise<EnqueueResponse> {
    const { status, body } = await this.#send({ method: 'POST', path: '/rollouts', body: request });
    if (status === 201) return { created: true, ...this.#check(enqueuedSchema, status, body) };
    const rollout = this.#check(rolloutViewSchema, status, body);
    return { created: false, rolloutId: rollout.rolloutId, status: rollout.status, rollout };
  }

  /** Starts an attempt on the rollout that waited longest; null when nothing is claimable. */
  async claim(workerId: string): Promise<ClaimResult | null> {
    const path = `/workers/${segment(workerId)}/claim`;
    const { status, body } = await this.#send({ method: 'POST', path });
    return status === 204 ? null : this.#check(claimSchema, status, body);
  }

  /**
   * Refreshes the worker and its attempts; answers the attempts it should stop working on.
   * Only `rolloutId` and `attemptId` of each attempt are sent, so claims may be passed as they are.
   */
  async heartbeat(
    workerId: string,
    activeAttempts: AttemptRef[],
  ): Promise<{ cancelledAttempts: CancelledAttempt[] }> {
    const path = `/workers/${segment(workerId)}/heartbeat`;
    const refs = activeAttempts.map(({ rolloutId, attemptId }) => ({ rolloutId, attemptId }));
    const spec = { method: 'POST', path, body: { activeAttempts: refs } } as const;
    return this.#call(heartbeatResponseSchema, spec);
  }

  /**
   * Reports an attempt's result; repeating the exact same result is safe. Only the result's
   * fields are sent, so a claim may be spread into the request as it is.
   */
  async complete(
    request: CompleteRequest,
  ): Promise<{ rollout: RolloutView; attempt: AttemptView }> {
    const { rolloutId, attemptId, workerId, status, output, error } = request;
    const path = `/rollouts/${segment(rolloutId)}/attempts/${segment(attemptId)}/complete`;
    const body = { workerId, status, output, error };
    return this.#call(completeResponseSchema, { method: 'POST', path, body });
  }

  /** Moves a manual-clock server's time forward and waits for the saga to act on it. */
  async advanceClock(ms: number): Promise<{ now: string }> {
    const spec = { method: 'POST', path: '/clock/advance', body: { ms } } as const;
    return this.#call(advanceClockResponseSchema, spec);
  }

  async getRollout(rolloutId: string): Promise<RolloutView> {
    const path = `/rollouts/${segment(rolloutId)}`;
    return this.#call(rolloutViewSchema, { method: 'GET', path });
  }

  async listRollouts(
    query: PageRequest & { status?: RolloutStatus } = {},
  ): Promise<Page<RolloutView>> {
    return this.#call(pageSchema(rolloutViewSchema), {
      method: 'GET',
      path: '/rollouts',
      query: { ...query },
    });
  }

  async listAttempts(
    query: PageRequest & { status?: AttemptStatus; workerId?: string; rolloutId?: string } = {},
  ): Promise<Page<AttemptView>> {
    return this.#call(pageSchema(attemptViewSchema), {
      method: 'GET',
      path: '/attempts',
      query: { ...query },
    });
  }

  async listWorkers(query: PageRequest = {}): Promise<Page<WorkerView>> {
    return this.#call(pageSchema(workerViewSchema), {
      method: 'GET',
      path: '/workers',
      query: { ...query },
    });
  }

  async getWorker(workerId: string): Promise<WorkerView> {
    const path = `/workers/${segment(workerId)}`;
    return this.#call(workerViewSchema, { method: 'GET', path });
  }

  async health(): Promise<Health> {
    return this.#call(healthSchema, { method: 'GET', path: '/health' });
  }

  /** The Prometheus text exposition. */
  async metrics(): Promise<string> {
    const response = await this.#fetchOrThrow({ method: 'GET', path: '/metrics' });
    const text = await response.text();
    if (!response.ok) throw this.#apiError(response.status, text);
    return text;
  }

  async #call<T>(schema: z.ZodType<T>, spec: RequestSpec): Promise<T> {
    const { status, body } = await this.#send(spec);
    return this.#check(schema, status, body);
  }

  #check<T>(schema: z.ZodType<T>, status: number, body: unknown): T {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    throw new VigilResponseError(status, `unexpected response: ${parsed.error.message}`);
  }

  async #send(spec: RequestSpec): Promise<{ status: number; body: unknown }> {
    const response = await this.#fetchOrThrow(spec);
    const text = await response.text().catch((error: unknown) => {
      throw new VigilUnreachableError(this.url, reasonOf(error), { cause: error });
    });
    if (!response.ok) throw this.#apiError(response.status, text);
    if (response.status === 204) return { status: 204, body: undefined };
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      throw new VigilResponseError(response.status, `response is not JSON: ${text.slice(0, 200)}`);
    }
  }

  async #fetchOrThrow(spec: RequestSpec): Promise<Response> {
    const url = new URL(this.url + spec.path);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {};
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';

    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    try {
      return await this.#fetch(url, {
        method: spec.method,
        headers,
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw new VigilUnreachableError(this.url, reasonOf(error), { cause: error });
    }
  }

  #apiError(status: number, text: string): VigilApiError {
    let parsed: ReturnType<typeof errorBodySchema.safeParse> | undefined;
    try {
      parsed = errorBodySchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) {
      const { code, message, details } = parsed.data.error;
      return new VigilApiError(status, code, message, details);
    }
    return new VigilApiError(status, 'http_error', `HTTP ${status}: ${text.slice(0, 200)}`);
  }
}
