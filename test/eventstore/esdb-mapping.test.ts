import {
  ANY,
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  type JSONType,
  type MetadataType,
  type Position,
  type RecordedEvent,
} from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import {
  allStartAfter,
  isStreamNotFound,
  isUnavailable,
  positionInAll,
  refusesPosition,
  streamNamespace,
  streamStartAfter,
  toClientExpectedRevision,
  toClientPosition,
  toEventData,
  toPortNumber,
  toStoreError,
  toStoredEvent,
} from '../../src/eventstore/esdb-mapping.ts';
import { ConcurrencyError, StoreUnavailableError } from '../../src/eventstore/port.ts';

const created = new Date('2026-01-01T00:00:00Z');

function jsonRecord(
  fields: { streamId: string; type: string; data: JSONType; revision?: bigint },
  extra: { metadata?: MetadataType; position?: Position } = {},
): RecordedEvent {
  return {
    id: '0b6f8c8e-1f7e-4c59-9a55-3d3c7c1f0a01',
    isJson: true,
    revision: fields.revision ?? 0n,
    created,
    metadata: extra.metadata,
    position: 'position' in extra ? extra.position : { commit: 4096n, prepare: 4096n },
    streamId: fields.streamId,
    type: fields.type,
    data: fields.data,
  };
}

function binaryRecord(streamId: string, type: string, bytes: string): RecordedEvent {
  return {
    id: '0b6f8c8e-1f7e-4c59-9a55-3d3c7c1f0a02',
    isJson: false,
    revision: 1n,
    created,
    metadata: undefined,
    position: { commit: 8192n, prepare: 8192n },
    streamId,
    type,
    data: new Uint8Array(Buffer.from(bytes, 'utf8')),
  };
}

describe('expected revisions', () => {
  it('maps the named expectations to the client constants', () => {
    expect(toClientExpectedRevision('no_stream')).toBe(NO_STREAM);
    expect(toClientExpectedRevision('any')).toBe(ANY);
    expect(toClientExpectedRevision('stream_exists')).toBe(STREAM_EXISTS);
  });

  it('maps a revision number to the bigint the client compares', () => {
    expect(toClientExpectedRevision(0)).toBe(0n);
    expect(toClientExpectedRevision(41)).toBe(41n);
  });
});

describe('revisions and positions', () => {
  it('turns client bigints into numbers', () => {
    expect(toPortNumber(0n, 'revision')).toBe(0);
    expect(toPortNumber(9_007_199_254_740_991n, 'position')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses a bigint that a number would round', () => {
    expect(() => toPortNumber(9_007_199_254_740_993n, 'position')).toThrow(
      /position 9007199254740993 does not fit/,
    );
  });

  it('names a point in $all by the commit position, used for both halves', () => {
    expect(toClientPosition(1_234_567)).toEqual({ commit: 1_234_567n, prepare: 1_234_567n });
  });

  it('starts $all reads and subscriptions at the beginning for -1, else at the position', () => {
    expect(allStartAfter(-1)).toBe(START);
    expect(allStartAfter(512)).toEqual({ commit: 512n, prepare: 512n });
  });

  it('starts stream subscriptions at the beginning for -1, else after the revision', () => {
    expect(streamStartAfter(-1)).toBe(START);
    expect(streamStartAfter(6)).toBe(6n);
  });

  it('takes the position of a $all event from its record, else from the read', () => {
    const record = jsonRecord({ streamId: 'rollout-1', type: 'RolloutEnqueued', data: {} });
    expect(positionInAll({ event: { ...record, position: { commit: 77n, prepare: 77n } } })).toBe(
      77,
    );
    expect(positionInAll({ commitPosition: 99n })).toBe(99);
    expect(() => positionInAll({})).toThrow(/no position/);
  });
});

describe('stream namespaces', () => {
  it('uses stream names unchanged without a prefix and owns every non-system stream', () => {
    const namespace = streamNamespace('');

    expect(namespace.toEsdb('rollout-1')).toBe('rollout-1');
    expect(namespace.fromEsdb('rollout-1')).toBe('rollout-1');
    expect(namespace.fromEsdb('$$rollout-1')).toBeUndefined();
    expect(namespace.fromEsdb('$stats-127.0.0.1:2113')).toBeUndefined();
  });

  it('filters $all on the server to streams that do not start with $', () => {
    const filter = streamNamespace('').filter();

    expect(filter.filterOn).toBe('streamName');
    expect('regex' in filter).toBe(true);
    const regex = new RegExp('regex' in filter ? filter.regex : '');
    expect(['rollout-1', 'worker-w', 'ticks'].every((s) => regex.test(s))).toBe(true);
    expect(['$$ticks', '$scavenges', '$ce-rollout'].some((s) => regex.test(s))).toBe(false);
  });

  it('keeps a prefixed deployment to its own streams', () => {
    const namespace = streamNamespace('blue.');

    expect(namespace.toEsdb('rollout-1')).toBe('blue.rollout-1');
    expect(namespace.fromEsdb('blue.rollout-1')).toBe('rollout-1');
    expect(namespace.fromEsdb('green.rollout-1')).toBeUndefined();
    expect(namespace.fromEsdb('rollout-1')).toBeUndefined();
    expect(namespace.filter()).toMatchObject({ filterOn: 'streamName', prefixes: ['blue.'] });
  });
});

describe('events to append', () => {
  it('sends objects, arrays and strings as JSON events with their metadata', () => {
    const event = toEventData({
      type: 'WorkerHeartbeated',
      data: { activeAttempts: [], at: '2026-01-01T00:00:00.000Z' },
      metadata: { causationId: 'c-1' },
    });

    expect(event).toMatchObject({
      contentType: 'application/json',
      type: 'WorkerHeartbeated',
      data: { activeAttempts: [], at: '2026-01-01T00:00:00.000Z' },
      metadata: { causationId: 'c-1' },
    });
    expect(toEventData({ type: 'A', data: [1, 2] }).contentType).toBe('application/json');
    expect(toEventData({ type: 'A', data: 'text' }).contentType).toBe('application/json');
  });

  it('sends a bare number, boolean or null as its JSON text', () => {
    for (const [data, text] of [
      [42, '42'],
      [false, 'false'],
      [null, 'null'],
    ] as const) {
      const event = toEventData({ type: 'A', data });
      if (event.contentType !== 'application/octet-stream') throw new Error('expected bytes');
      expect(Buffer.from(event.data).toString('utf8')).toBe(text);
    }
  });

  it('gives every event its own id, so the server never mistakes one for a retry', () => {
    const first = toEventData({ type: 'A', data: {} });
    const second = toEventData({ type: 'A', data: {} });
    expect(first.id).not.toBe(second.id);
  });
});

describe('recorded events', () => {
  const plain = streamNamespace('');

  it('become stored events with number revisions, commit positions and the record time', () => {
    const record = jsonRecord(
      { streamId: 'rollout-7', type: 'RolloutEnqueued', data: { maxAttempts: 3 }, revision: 2n },
      { metadata: { causationId: 'c-9' } },
    );

    expect(toStoredEvent(record, plain)).toEqual({
      stream: 'rollout-7',
      revision: 2,
      position: 4096,
      type: 'RolloutEnqueued',
      data: { maxAttempts: 3 },
      metadata: { causationId: 'c-9' },
      recordedAt: created,
    });
  });

  it('lose their namespace prefix', () => {
    const record = jsonRecord({ streamId: 'blue.ticks', type: 'Ticked', data: {} });
    expect(toStoredEvent(record, streamNamespace('blue.'))?.stream).toBe('ticks');
  });

  it('read a bare JSON value sent as text back as that value', () => {
    expect(toStoredEvent(binaryRecord('s', 'A', '42'), plain)?.data).toBe(42);
    expect(toStoredEvent(binaryRecord('s', 'A', 'null'), plain)?.data).toBeNull();
  });

  it('keep binary data that is not JSON as bytes', () => {
    const data = toStoredEvent(binaryRecord('s', 'A', '\u0001not json'), plain)?.data;
    expect(data).toBeInstanceOf(Uint8Array);
  });

  it('have empty metadata when the record has none or it is not an object', () => {
    const none = jsonRecord({ streamId: 's', type: 'A', data: {} });
    const list = jsonRecord({ streamId: 's', type: 'A', data: {} }, { metadata: [1, 2] });
    expect(toStoredEvent(none, plain)?.metadata).toEqual({});
    expect(toStoredEvent(list, plain)?.metadata).toEqual({});
  });

  it('are skipped when they are system events, system streams or another namespace', () => {
    const metadataEvent = jsonRecord({ streamId: '$$rollout-1', type: '$metadata', data: {} });
    const systemType = jsonRecord({ streamId: 'rollout-1', type: '$>', data: '0@x' });
    const otherNamespace = jsonRecord({ streamId: 'green.ticks', type: 'Ticked', data: {} });

    expect(toStoredEvent(metadataEvent, plain)).toBeUndefined();
    expect(toStoredEvent(systemType, plain)).toBeUndefined();
    expect(toStoredEvent(otherNamespace, streamNamespace('blue.'))).toBeUndefined();
    expect(toStoredEvent(undefined, plain)).toBeUndefined();
  });

  it('take the position the read reported when the record carries none', () => {
    const record = jsonRecord({ streamId: 's', type: 'A', data: {} }, { position: undefined });
    expect(toStoredEvent(record, plain, 321n)?.position).toBe(321);
    expect(() => toStoredEvent(record, plain)).toThrow(/EventStoreDB 22\.6 or later/);
  });
});

describe('client errors', () => {
  const action = 'append to rollout-1 on esdb://db:2113';

  it('turn a wrong expected version into the port conflict, in the caller terms', () => {
    const error = new WrongExpectedVersionError(undefined, {
      streamName: 'blue.rollout-1',
      expected: 3n,
      current: 5n,
    });

    const mapped = toStoreError(error, action, { stream: 'rollout-1', expected: 3 });

    expect(mapped).toBeInstanceOf(ConcurrencyError);
    expect(mapped).toMatchObject({
      code: 'concurrency_conflict',
      stream: 'rollout-1',
      expected: 3,
      actual: 5,
    });
  });

  it('report a missing stream in a conflict as no_stream', () => {
    const error = new WrongExpectedVersionError(undefined, {
      streamName: 'rollout-1',
      expected: STREAM_EXISTS,
      current: NO_STREAM,
    });

    const mapped = toStoreError(error, action, { stream: 'rollout-1', expected: 'stream_exists' });

    expect(mapped).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
  });

  it('turn an unreachable, timed-out or cancelled server into StoreUnavailableError', () => {
    for (const error of [
      new UnavailableError(),
      new DeadlineExceededError(),
      new CancelledError(),
      new Error('Failed to discover after 10 attempts.'),
    ]) {
      expect(isUnavailable(error)).toBe(true);
      const mapped = toStoreError(error, action);
      expect(mapped).toBeInstanceOf(StoreUnavailableError);
      expect(mapped).toMatchObject({
        code: 'store_unavailable',
        cause: error,
        message: expect.stringContaining(action),
      });
    }
  });

  it('turn refused access into StoreUnavailableError that points at the credentials', () => {
    const mapped = toStoreError(new AccessDeniedError(), action);
    expect(mapped).toBeInstanceOf(StoreUnavailableError);
    expect(mapped).toMatchObject({ message: expect.stringMatching(/denied access.*credentials/) });
  });

  it('turn an append larger than the server accepts into a RangeError naming the limit', () => {
    const mapped = toStoreError(MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576), action);
    expect(mapped).toBeInstanceOf(RangeError);
    expect(mapped).toMatchObject({
      message: expect.stringMatching(/1048576 bytes.*MaxAppendSize/),
    });
  });

  it('blame the starting point of a $all read only for what the server answered', () => {
    expect(refusesPosition(new UnknownError())).toBe(true);
    expect(refusesPosition(new UnavailableError())).toBe(false);
    expect(refusesPosition(new AccessDeniedError())).toBe(false);
    expect(refusesPosition(new TypeError('bug'))).toBe(false);
  });

  it('pass other failures through unchanged', () => {
    const bug = new TypeError('broken invariant');
    expect(toStoreError(bug, action)).toBe(bug);
    expect(isUnavailable(bug)).toBe(false);
  });

  it('recognise a missing stream, which reads as empty', () => {
    expect(isStreamNotFound(new StreamNotFoundError(undefined, 'rollout-1'))).toBe(true);
    expect(isStreamNotFound(new UnavailableError())).toBe(false);
  });
});
