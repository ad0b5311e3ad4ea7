import {
  filter,
  firstValueFrom,
  lastValueFrom,
  share,
  takeWhile,
  toArray,
  type Observable,
} from 'rxjs';
import { expect, it } from 'vitest';
import type { StoredEvent } from '../../src/eventstore/port.ts';
import { numbered, type ConformanceContext } from './conformance.ts';

const END = 'EndOfTest';

// Everything up to and including the END event; a duplicate or a gap shows in the list.
function collectUntilEnd(events: Observable<StoredEvent>): Promise<StoredEvent[]> {
  return firstValueFrom(
    events.pipe(
      takeWhile((event) => event.type !== END, true),
      toArray(),
    ),
  );
}

/** Tests of catch-up-then-live subscriptions. */
export function describeSubscriptionConformance(context: ConformanceContext): void {
  const { store, streamName } = context;

  /**
   * Appends 1,100 events (more than one catch-up page), then 120 more one or three at a time,
   * calling `subscribe` at chosen moments, some right after an append has started and before it
   * is acknowledged, so catch-up and live delivery meet while appends are in flight.
   */
  async function appendWhileSubscribing(stream: string, subscribe: () => void): Promise<void> {
    await store().append(stream, numbered(1_100, 'Early'), { expectedRevision: 'no_stream' });
    const subscribeAt = new Set([0, 1, 2, 40, 77, 119]);
    for (let step = 0; step < 120; step++) {
      const append = store().append(stream, numbered(step % 2 === 0 ? 1 : 3, 'Racing'), {
        expectedRevision: 'any',
      });
      if (subscribeAt.has(step)) subscribe();
      await append;
    }
    await store().append(stream, [{ type: END, data: null }], { expectedRevision: 'any' });
  }

  it('delivers stored then live events of the whole log with no gap or duplicate at the seam', async () => {
    const stream = streamName('race-all');
    const head = await store().headPosition();
    const runs: Promise<StoredEvent[]>[] = [];

    await appendWhileSubscribing(stream, () => {
      const ours = store()
        .subscribeToAll({ after: head })
        .pipe(filter((event) => event.stream === stream));
      runs.push(collectUntilEnd(ours));
    });

    const expected = (await store().read(stream)).map((event) => event.position);
    expect(expected).toHaveLength(1_100 + 60 + 60 * 3 + 1);
    for (const received of await Promise.all(runs)) {
      expect(received.map((event) => event.position)).toEqual(expected);
    }
    expect(runs).toHaveLength(6);
  });

  it('delivers stored then live events of one stream with no gap or duplicate at the seam', async () => {
    const stream = streamName('race-one');
    const other = streamName('other');
    const runs: Promise<StoredEvent[]>[] = [];

    await appendWhileSubscribing(stream, () => {
      runs.push(collectUntilEnd(store().subscribeToStream(stream)));
      void store().append(other, numbered(1, 'Elsewhere'), { expectedRevision: 'any' });
    });

    const expected = (await store().read(stream)).map((event) => event.revision);
    for (const received of await Promise.all(runs)) {
      expect(received.every((event) => event.stream === stream)).toBe(true);
      expect(received.map((event) => event.revision)).toEqual(expected);
    }
  });

  it('starts a subscription to the whole log strictly after the given position', async () => {
    const stream = streamName('after');
    await store().append(stream, numbered(5), { expectedRevision: 'no_stream' });
    const [, , third] = await store().read(stream);

    const received = collectUntilEnd(
      store()
        .subscribeToAll({ after: third!.position })
        .pipe(filter((event) => event.stream === stream)),
    );
    await store().append(stream, [{ type: END, data: null }], { expectedRevision: 4 });

    expect((await received).map((event) => event.revision)).toEqual([3, 4, 5]);
  });

  it('starts a stream subscription at the given revision', async () => {
    const stream = streamName('from-revision');
    await store().append(stream, numbered(5), { expectedRevision: 'no_stream' });

    const received = collectUntilEnd(store().subscribeToStream(stream, { fromRevision: 3 }));
    await store().append(stream, [{ type: END, data: null }], { expectedRevision: 4 });

    expect((await received).map((event) => event.revision)).toEqual([3, 4, 5]);
  });

  it('follows a stream that does not exist yet from its first event', async () => {
    const stream = streamName('future');

    const received = collectUntilEnd(store().subscribeToStream(stream));
    await store().append(stream, numbered(2), { expectedRevision: 'no_stream' });
    await store().append(stream, [{ type: END, data: null }], { expectedRevision: 1 });

    expect((await received).map((event) => [event.revision, event.type])).toEqual([
      [0, 'Numbered'],
      [1, 'Numbered'],
      [2, END],
    ]);
  });

  it('completes its subscriptions when the store closes', async () => {
    const stream = streamName('closing');
    await store().append(stream, numbered(1), { expectedRevision: 'no_stream' });
    const all = store()
      .subscribeToAll({ after: (await store().headPosition()) - 1 })
      .pipe(share());
    const one = store().subscribeToStream(stream).pipe(share());
    const allDone = lastValueFrom(all.pipe(toArray()));
    const oneDone = lastValueFrom(one.pipe(toArray()));
    await Promise.all([firstValueFrom(all), firstValueFrom(one)]);

    await store().close();

    const ours = expect.arrayContaining([expect.objectContaining({ stream, revision: 0 })]);
    await expect(allDone).resolves.toEqual(ours);
    await expect(oneDone).resolves.toEqual([expect.objectContaining({ stream, revision: 0 })]);
  });
}
