import {
  ConcurrencyError,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
} from './port.ts';

/** An event ready to be written: payloads already serialised once, as JSON text. */
export interface EncodedEvent {
  type: string;
  data: string;
  metadata: string;
}

function assertCount(value: unknown, what: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${String(value)}`);
  }
}

function assertPosition(value: unknown, what: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < -1) {
    throw new RangeError(`${what} must be an integer of at least -1, got ${String(value)}`);
  }
}

/** Throws a TypeError unless `stream` is a usable stream name. */
export function assertStreamName(stream: unknown): asserts stream is string {
  if (typeof stream !== 'string' || stream.length === 0) {
    throw new TypeError(`stream name must be a non-empty string, got ${JSON.stringify(stream)}`);
  }
}

function assertExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'no_stream' || expected === 'any' || expected === 'stream_exists') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw new RangeError(
    `expectedRevision must be 'no_stream', 'any', 'stream_exists' or a revision >= 0, ` +
      `got ${JSON.stringify(expected)}`,
  );
}

function toJson(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`${what} is not JSON-serialisable`, { cause: error });
  }
  if (text === undefined) throw new TypeError(`${what} is not JSON-serialisable`);
  return text;
}

function encodeEvent(event: NewEvent, index: number): EncodedEvent {
  if (typeof event !== 'object' || event === null) {
    throw new TypeError(`event ${index} must be an object`);
  }
  if (typeof event.type !== 'string' || event.type.length === 0) {
    throw new TypeError(`event ${index} needs a non-empty string type`);
  }
  const metadata = event.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new TypeError(`event ${index} (${event.type}): metadata must be a plain object`);
  }
  return {
    type: event.type,
    data: toJson(event.data, `event ${index} (${event.type}) data`),
    metadata: toJson(metadata, `event ${index} (${event.type}) metadata`),
  };
}

/**
 * Validates an append request and serialises its events once. Throws a TypeError or RangeError
 * that names the offending part; nothing is written when this throws.
 */
export function encodeAppend(
  stream: string,
  events: readonly NewEvent[],
  expectedRevision: ExpectedRevision,
): EncodedEvent[] {
  assertStreamName(stream);
  assertExpectedRevision(expectedRevision);
  if (!Array.isArray(events) || events.length === 0) {
    throw new RangeError(`append to ${stream} needs at least one event`);
  }
  return events.map(encodeEvent);
}

/**
 * Throws ConcurrencyError unless a stream whose last revision is `current` (-1: no stream)
 * satisfies `expected`.
 */
export function checkExpectedRevision(
  stream: string,
  expected: ExpectedRevision,
  current: number,
): void {
  const exists = current >= 0;
  const satisfied =
    expected === 'any' ||
    (expected === 'no_stream' && !exists) ||
    (expected === 'stream_exists' && exists) ||
    expected === current;
  if (!satisfied) throw new ConcurrencyError(stream, expected, exists ? current : 'no_stream');
}

/** Read options with defaults applied; `maxCount` is Infinity when unbounded. */
export interface StreamReadPlan {
  backwards: boolean;
  fromRevision: number | undefined;
  maxCount: number;
}

/** Validates `read` options. */
export function planStreamRead(stream: string, options: ReadStreamOptions = {}): StreamReadPlan {
  assertStreamName(stream);
  assertCount(options.fromRevision, 'fromRevision');
  assertCount(options.maxCount, 'maxCount');
  const direction = options.direction ?? 'forwards';
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw new RangeError(`direction must be 'forwards' or 'backwards', got ${String(direction)}`);
  }
  return {
    backwards: direction === 'backwards',
    fromRevision: options.fromRevision,
    maxCount: options.maxCount ?? Infinity,
  };
}

/** Validates `readAll` options; returns the exclusive lower position and the page size. */
export function planReadAll(options: ReadAllOptions = {}): { after: number; maxCount: number } {
  assertPosition(options.after, 'after');
  assertCount(options.maxCount, 'maxCount');
  return { after: options.after ?? -1, maxCount: options.maxCount ?? Infinity };
}

/** Validates a subscription's starting point for the whole log; returns the exclusive cursor. */
export function subscriptionStartAfter(after: number | undefined): number {
  assertPosition(after, 'after');
  return after ?? -1;
}

/** Validates a stream subscription's first revision; returns the exclusive revision cursor. */
export function subscriptionStartRevision(
  stream: string,
  fromRevision: number | undefined,
): number {
  assertStreamName(stream);
  assertCount(fromRevision, 'fromRevision');
  return (fromRevision ?? 0) - 1;
}

/** Validates a stream's retention limit: at least one event is always kept. */
export function assertMaxCount(stream: string, maxCount: number): void {
  assertStreamName(stream);
  if (!Number.isSafeInteger(maxCount) || maxCount < 1) {
    throw new RangeError(`maxCount for ${stream} must be an integer >= 1, got ${String(maxCount)}`);
  }
}
