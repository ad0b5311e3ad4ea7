import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConcurrencyError,
  StoreUnavailableError,
  type EventStore,
  type NewEvent,
} from '../../src/eventstore/port.ts';
import { describeReadConformance } from './conformance-reads.ts';
import { describeSubscriptionConformance } from './conformance-subscriptions.ts';

/** Opens a store for one test; `cleanup` closes it (a second close must be harmless). */
export type OpenStoreUnderTest = () => Promise<{
  store: EventStore;
  cleanup: () => Promise<void>;
}>;

/**
 * What each part of the suite gets: the store of the running test, and stream names unique to
 * that test, so the suite also runs against a shared server that already holds events.
 */
export interface ConformanceContext {
  store(): EventStore;
  streamName(label: string): string;
}

/** `count` events of type `type` whose data carries their index. */
export function numbered(count: number, type = 'Numbered'): NewEvent[] {
  return Array.from({ length: count }, (_, index) => ({ type, data: { index } }));
}

function describeAppendConformance(context: ConformanceContext): void {
  const { store, streamName } = context;

  it('appends events and reads them back in order with consecutive revisions', async () => {
    const stream = streamName('rollout');
    const first = await store().append(stream, numbered(2), { expectedRevision: 'no_stream' });
    const second = await store().append(stream, numbered(1, 'Later'), { expectedRevision: 1 });

    const events = await store().read(stream);
    expect(events.map((event) => [event.type, event.revision, event.data])).toEqual([
      ['Numbered', 0, { index: 0 }],
      ['Numbered', 1, { index: 1 }],
      ['Later', 2, { index: 0 }],
    ]);
    expect(first.revision).toBe(1);
    expect(second).toEqual({ revision: 2, position: events[2]?.position });
    expect(events.every((event) => event.stream === stream)).toBe(true);
    expect(events[0]!.position).toBeLessThan(events[1]!.position);
    expect(events[1]!.position).toBeLessThan(events[2]!.position);
  });

  it('keeps metadata and records when each event was stored', async () => {
    const stream = streamName('rollout');
    const before = Date.now();
    await store().append(
      stream,
      [{ type: 'Tagged', data: { a: 1 }, metadata: { correlationId: 'c-1', nested: { x: [1] } } }],
      { expectedRevision: 'any' },
    );
    await store().append(stream, [{ type: 'Plain', data: null }], { expectedRevision: 'any' });

    const [tagged, plain] = await store().read(stream);
    expect(tagged!.metadata).toEqual({ correlationId: 'c-1', nested: { x: [1] } });
    expect(plain!.metadata).toEqual({});
    expect(plain!.data).toBeNull();
    expect(tagged!.recordedAt).toBeInstanceOf(Date);
    // Allow a second of clock skew between this process and a store server.
    expect(tagged!.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 1_000);
  });

  it("accepts 'no_stream' only for a stream that does not exist", async () => {
    const stream = streamName('worker');
    await store().append(stream, numbered(1), { expectedRevision: 'no_stream' });

    const conflict = store().append(stream, numbered(1), { expectedRevision: 'no_stream' });
    await expect(conflict).rejects.toMatchObject({
      name: 'ConcurrencyError',
      code: 'concurrency_conflict',
      stream,
      expected: 'no_stream',
      actual: 0,
    });
    await expect(store().read(stream)).resolves.toHaveLength(1);
  });

  it("accepts 'stream_exists' only for a stream that exists", async () => {
    const missing = streamName('missing');
    const present = streamName('present');
    await store().append(present, numbered(1), { expectedRevision: 'no_stream' });

    await expect(
      store().append(missing, numbered(1), { expectedRevision: 'stream_exists' }),
    ).rejects.toMatchObject({ code: 'concurrency_conflict', actual: 'no_stream' });
    await expect(
      store().append(present, numbered(1), { expectedRevision: 'stream_exists' }),
    ).resolves.toMatchObject({ revision: 1 });
    await expect(store().read(missing)).resolves.toEqual([]);
  });

  it("accepts 'any' whether or not the stream exists", async () => {
    const stream = streamName('ticks');

    await store().append(stream, numbered(1), { expectedRevision: 'any' });
    const result = await store().append(stream, numbered(1), { expectedRevision: 'any' });

    expect(result.revision).toBe(1);
  });

  it('accepts an exact revision only when it is the stream’s current one', async () => {
    const stream = streamName('rollout');
    await store().append(stream, numbered(3), { expectedRevision: 'no_stream' });

    await expect(store().append(stream, numbered(1), { expectedRevision: 1 })).rejects.toThrow(
      ConcurrencyError,
    );
    await expect(store().append(stream, numbered(1), { expectedRevision: 3 })).rejects.toThrow(
      ConcurrencyError,
    );
    await expect(
      store().append(streamName('missing'), numbered(1), { expectedRevision: 0 }),
    ).rejects.toMatchObject({ actual: 'no_stream', expected: 0 });
    await expect(store().append(stream, numbered(1), { expectedRevision: 2 })).resolves.toEqual(
      expect.objectContaining({ revision: 3 }),
    );
  });

  it('lets exactly one of two concurrent appenders with the same expected revision win', async () => {
    const stream = streamName('rollout');
    await store().append(stream, numbered(1, 'Enqueued'), { expectedRevision: 'no_stream' });

    const outcomes = await Promise.allSettled([
      store().append(stream, numbered(2, 'ByA'), { expectedRevision: 0 }),
      store().append(stream, numbered(2, 'ByB'), { expectedRevision: 0 }),
    ]);

    const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const losers = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]).toBeInstanceOf(ConcurrencyError);
    const types = (await store().read(stream)).map((event) => event.type);
    expect([
      ['Enqueued', 'ByA', 'ByA'],
      ['Enqueued', 'ByB', 'ByB'],
    ]).toContainEqual(types);
  });

  it('lets exactly one of two concurrent creators of a new stream win', async () => {
    const stream = streamName('worker');

    const outcomes = await Promise.allSettled([
      store().append(stream, numbered(1, 'ByA'), { expectedRevision: 'no_stream' }),
      store().append(stream, numbered(1, 'ByB'), { expectedRevision: 'no_stream' }),
    ]);

    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    await expect(store().read(stream)).resolves.toHaveLength(1);
  });

  it('writes none of a batch when one of its events cannot be serialised', async () => {
    const stream = streamName('rollout');
    const batch = [...numbered(2), { type: 'Broken', data: { big: 10n } }, ...numbered(2)];

    await expect(store().append(stream, batch, { expectedRevision: 'any' })).rejects.toThrow();

    await expect(store().read(stream)).resolves.toEqual([]);
  });

  it('stores 5,000 events appended in one batch, in order', async () => {
    const stream = streamName('bulk');

    const result = await store().append(stream, numbered(5_000), { expectedRevision: 'no_stream' });

    const events = await store().read(stream);
    expect(result.revision).toBe(4_999);
    expect(events).toHaveLength(5_000);
    expect(events.every((event, index) => event.revision === index)).toBe(true);
    expect(events.map((event) => (event.data as { index: number }).index)).toEqual(
      Array.from({ length: 5_000 }, (_, index) => index),
    );
    expect(events.at(-1)!.position).toBe(result.position);
  });

  it('reports the position of the last appended event as the head position', async () => {
    await store().append(streamName('a'), numbered(2), { expectedRevision: 'any' });
    const last = await store().append(streamName('b'), numbered(1), { expectedRevision: 'any' });

    await expect(store().headPosition()).resolves.toBe(last.position);
  });

  it('keeps stored events apart from objects callers hold and later change', async () => {
    const stream = streamName('rollout');
    const data = { list: [1, 2], nested: { flag: true } };
    await store().append(stream, [{ type: 'Shared', data }], { expectedRevision: 'any' });
    data.list.push(3);
    data.nested.flag = false;

    const [read] = await store().read(stream);
    Reflect.set(read!.data as object, 'extra', 'changed by a reader');
    const [again] = await store().read(stream);

    expect(again!.data).toEqual({ list: [1, 2], nested: { flag: true } });
  });

  it('refuses appends after it is closed, and closing twice is harmless', async () => {
    await store().close();
    await store().close();

    await expect(
      store().append(streamName('late'), numbered(1), { expectedRevision: 'any' }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
  });
}

/**
 * The behaviour every EventStore adapter must share. Registers a `describe` block with one test
 * per behaviour; `openStore` is called before each test and its `cleanup` after it.
 */
export function runConformanceSuite(name: string, openStore: OpenStoreUnderTest): void {
  describe(`${name} store conformance`, () => {
    let current: Awaited<ReturnType<OpenStoreUnderTest>> | undefined;
    let testId = '';

    beforeEach(async () => {
      current = await openStore();
      testId = randomUUID().slice(0, 8);
    });

    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    const context: ConformanceContext = {
      store() {
        if (!current) throw new Error('no store is open outside a test');
        return current.store;
      },
      streamName: (label) => `${label}-${testId}`,
    };

    describe('append', () => describeAppendConformance(context));
    describe('reads', () => describeReadConformance(context));
    describe('subscriptions', () => describeSubscriptionConformance(context));
  });
}
