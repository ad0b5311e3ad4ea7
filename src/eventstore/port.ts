import type { Observable } from 'rxjs';

/** What the caller expects of a stream's current revision when it appends. */
export type ExpectedRevision = 'no_stream' | 'any' | 'stream_exists' | number;

/** An event about to be appended: a type, a JSON-serialisable payload, optional metadata. */
export interface NewEvent {
  type: string;
  data: unknown;
  metadata?: Record<string, unknown>;
}

/**
 * An event as the store keeps it. `revision` counts from 0 within its stream; `position` is
 * the event's place in the store's global order (strictly increasing, gaps allowed).
 */
export interface StoredEvent {
  stream: string;
  revision: number;
  position: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the last event appended (the stream's new current revision). */
  revision: number;
  /** Global position of the last event appended. */
  position: number;
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive); default 0, or the last event when backwards. */
  fromRevision?: number;
  direction?: 'forwards' | 'backwards';
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Return only events whose position is strictly greater than this; default: from the start. */
  after?: number;
  maxCount?: number;
}

/** Thrown by `append` when the stream's revision is not the one expected. */
export class ConcurrencyError extends Error {
  readonly code = 'concurrency_conflict';

  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, found ${String(actual)}`);
    this.name = 'ConcurrencyError';
  }
}

/** Thrown when the store cannot be reached or cannot write; the HTTP layer answers 503. */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * The one port every store adapter implements. Subscriptions catch up from the given point,
 * then go live, with no gap and no duplicate at the seam; they complete when the store closes.
 */
export interface EventStore {
  /** A short description for `/health`, e.g. `memory`, `sqlite:data/vigil.db`. */
  readonly name: string;

  append(
    stream: string,
    events: readonly NewEvent[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult>;

  /** Events of one stream; a stream that does not exist reads as empty. */
  read(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;

  /** One page of the global log in position order. */
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;

  /** The position of the last event in the store, or -1 when it is empty. */
  headPosition(): Promise<number>;

  /** Every event with a position strictly greater than `after` (default: all), then live ones. */
  subscribeToAll(options?: { after?: number }): Observable<StoredEvent>;

  /** One stream's events from `fromRevision` (inclusive, default 0), then live ones. */
  subscribeToStream(stream: string, options?: { fromRevision?: number }): Observable<StoredEvent>;

  /**
   * Keep at most `maxCount` events of the stream (older ones may be removed at the store's
   * convenience). Used to bound heartbeat and tick history.
   */
  setStreamMaxCount(stream: string, maxCount: number): Promise<void>;

  close(): Promise<void>;
}
