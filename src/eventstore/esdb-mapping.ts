import {
  ANY,
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  binaryEvent,
  isCommandError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type EventData,
  type Filter,
  type JSONType,
  type Position,
  type ReadPosition,
  type ReadRevision,
  type RecordedEvent,
} from '@eventstore/db-client';
import {
  ConcurrencyError,
  StoreUnavailableError,
  type ExpectedRevision,
  type NewEvent,
  type StoredEvent,
} from './port.ts';

/** The port's expected revision in the client's terms. */
export function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'any':
      return ANY;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** A revision or position from the client as the port's number; throws past 2^53. */
export function toPortNumber(value: bigint, what: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new RangeError(`${what} ${value} does not fit in a JavaScript number`);
  }
  return number;
}

/**
 * A port position as a point in `$all`. Events appended through gRPC are committed one record
 * each, so their commit and prepare positions are equal and one number identifies them.
 */
export function toClientPosition(position: number): Position {
  return { commit: BigInt(position), prepare: BigInt(position) };
}

/** Where a read or subscription of `$all` starts to see events after `after` (-1: everything). */
export function allStartAfter(after: number): ReadPosition {
  return after < 0 ? START : toClientPosition(after);
}

/** Where a stream subscription starts to see revisions after `afterRevision` (-1: all). */
export function streamStartAfter(afterRevision: number): ReadRevision {
  return afterRevision < 0 ? START : BigInt(afterRevision);
}

/**
 * Maps Vigil's stream names into one namespace of EventStoreDB and back. With an empty prefix
 * Vigil's streams are every stream that is not a system (`$`) stream.
 */
export interface StreamNamespace {
  /** The EventStoreDB stream that holds a Vigil stream. */
  toEsdb(stream: string): string;
  /** The Vigil stream an EventStoreDB stream holds, or undefined when it is not Vigil's. */
  fromEsdb(esdbStream: string): string | undefined;
  /** A server-side `$all` filter that lets through only Vigil's streams. */
  filter(): Filter;
}

export function streamNamespace(prefix: string): StreamNamespace {
  return {
    toEsdb: (stream) => `${prefix}${stream}`,
    fromEsdb(esdbStream) {
      if (esdbStream.startsWith('$')) return undefined;
      return esdbStream.startsWith(prefix) ? esdbStream.slice(prefix.length) : undefined;
    },
    filter: () =>
      prefix.length > 0
        ? streamNameFilter({ prefixes: [prefix] })
        : streamNameFilter({ regex: '^[^$]' }),
  };
}

function isJsonDocument(data: unknown): data is JSONType {
  return typeof data === 'string' || (typeof data === 'object' && data !== null);
}

/**
 * An event to append, in the client's terms; `event` has passed `encodeAppend`, so its data is
 * JSON-serialisable. Objects, arrays and strings travel as JSON events. The client's JSON events
 * cannot carry a bare number, boolean or null, so those travel as their JSON text in a binary
 * event, which `toStoredEvent` parses back.
 */
export function toEventData(event: NewEvent): EventData {
  const { type, data, metadata } = event;
  if (isJsonDocument(data)) return jsonEvent({ type, data, metadata });
  return binaryEvent({ type, data: Buffer.from(JSON.stringify(data), 'utf8'), metadata });
}

function decodeData(recorded: RecordedEvent): unknown {
  if (recorded.isJson) return recorded.data;
  const text = Buffer.from(recorded.data).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return recorded.data;
  }
}

function toMetadataRecord(metadata: unknown): Record<string, unknown> {
  if (typeof metadata !== 'object' || metadata === null) return {};
  if (Array.isArray(metadata) || metadata instanceof Uint8Array) return {};
  return { ...metadata };
}

/** True when a recorded event is one of Vigil's: in its namespace and not a system event. */
export function isVigilRecord(recorded: RecordedEvent, namespace: StreamNamespace): boolean {
  return !recorded.type.startsWith('$') && namespace.fromEsdb(recorded.streamId) !== undefined;
}

/** The position in `$all` of an event read from `$all`, whoever's it is. */
export function positionInAll(resolved: AllStreamResolvedEvent): number {
  const position = resolved.event?.position.commit ?? resolved.commitPosition;
  if (position === undefined) throw new Error('EventStoreDB gave an event of $all no position');
  return toPortNumber(position, 'position');
}

/**
 * A recorded event as the port's StoredEvent, or undefined when it is not one of Vigil's: a
 * system stream, another namespace, or a system event type (`$…`). `commitPosition` is the
 * position the read reported beside the event, used when the record carries none.
 */
export function toStoredEvent(
  recorded: RecordedEvent | undefined,
  namespace: StreamNamespace,
  commitPosition?: bigint,
): StoredEvent | undefined {
  if (recorded === undefined || recorded.type.startsWith('$')) return undefined;
  const stream = namespace.fromEsdb(recorded.streamId);
  if (stream === undefined) return undefined;

  const position = recorded.position?.commit ?? commitPosition;
  if (position === undefined) {
    throw new Error(
      `EventStoreDB gave no position for ${recorded.streamId}@${recorded.revision}; ` +
        'Vigil needs EventStoreDB 22.6 or later',
    );
  }
  return {
    stream,
    revision: toPortNumber(recorded.revision, 'revision'),
    position: toPortNumber(position, 'position'),
    type: recorded.type,
    data: decodeData(recorded),
    metadata: toMetadataRecord(recorded.metadata),
    recordedAt: recorded.created,
  };
}

/** The client's conflict error as the port's, in the caller's stream name and terms. */
export function toConcurrencyError(
  error: WrongExpectedVersionError,
  stream: string,
  expected: ExpectedRevision,
): ConcurrencyError {
  const actual =
    error.actualVersion === 'no_stream'
      ? 'no_stream'
      : toPortNumber(error.actualVersion, 'revision');
  return new ConcurrencyError(stream, expected, actual);
}

/** True for failures that mean "the server cannot be reached or cannot serve now". */
export function isUnavailable(error: unknown): boolean {
  return (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof CancelledError ||
    error instanceof NotLeaderError ||
    // Cluster discovery fails with a plain Error once every gossip seed has been tried.
    (error instanceof Error && error.message.startsWith('Failed to discover after'))
  );
}

/**
 * True when a read of `$all` failed because of where it started, not because the server is
 * unreachable or refuses the credentials: EventStoreDB cannot start between two records.
 */
export function refusesPosition(error: unknown): boolean {
  return (
    error instanceof Error &&
    isCommandError(error) &&
    !isUnavailable(error) &&
    !(error instanceof AccessDeniedError)
  );
}

/** True when a read failed only because its stream does not exist. */
export function isStreamNotFound(error: unknown): boolean {
  return error instanceof StreamNotFoundError;
}

function describe(error: Error): string {
  return error.message.trim() || error.constructor.name;
}

/**
 * A client failure as the port's error: unreachable or refusing → StoreUnavailableError (the
 * HTTP API answers 503), a conflict → ConcurrencyError, too large an append → RangeError;
 * anything else is returned unchanged.
 * `action` says what was being done, e.g. `append to rollout-1 on esdb://db:2113`.
 */
export function toStoreError(
  error: unknown,
  action: string,
  conflict?: { stream: string; expected: ExpectedRevision },
): unknown {
  if (error instanceof WrongExpectedVersionError && conflict) {
    return toConcurrencyError(error, conflict.stream, conflict.expected);
  }
  if (isUnavailable(error) && error instanceof Error) {
    return new StoreUnavailableError(
      `${action}: EventStoreDB is unavailable (${describe(error)})`,
      {
        cause: error,
      },
    );
  }
  if (error instanceof MaxAppendSizeExceededError) {
    return new RangeError(
      `${action}: the events exceed the server's maximum append size of ` +
        `${error.maxAppendSize} bytes (EventStoreDB option MaxAppendSize)`,
      { cause: error },
    );
  }
  if (error instanceof AccessDeniedError) {
    return new StoreUnavailableError(
      `${action}: EventStoreDB denied access (${describe(error)}); check the credentials`,
      { cause: error },
    );
  }
  return error;
}
