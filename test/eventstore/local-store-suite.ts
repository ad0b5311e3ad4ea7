import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError, type EventStore } from '../../src/eventstore/port.ts';
import { numbered, type OpenStoreUnderTest } from './conformance.ts';

/**
 * Behaviour the in-process stores (memory, SQLite) promise beyond the port: a fresh store
 * starts at position 0, trimmed events leave the global log, and bad input is refused clearly.
 */
export function runLocalStoreSuite(name: string, openStore: OpenStoreUnderTest): void {
  describe(`${name} store beyond the port`, () => {
    let store: EventStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await openStore());
    });

    afterEach(() => cleanup());

    it('starts empty at head position -1 and numbers positions from 0 without gaps', async () => {
      await expect(store.headPosition()).resolves.toBe(-1);
      await expect(store.readAll()).resolves.toEqual([]);

      await store.append('a', numbered(2), { expectedRevision: 'no_stream' });
      await store.append('b', numbered(1), { expectedRevision: 'no_stream' });

      expect((await store.readAll()).map((event) => event.position)).toEqual([0, 1, 2]);
      await expect(store.headPosition()).resolves.toBe(2);
    });

    it('removes trimmed events from the global log and from new subscriptions', async () => {
      await store.setStreamMaxCount('worker-1', 2);
      await store.append('worker-1', numbered(3, 'Heartbeat'), { expectedRevision: 'no_stream' });
      await store.append('rollout-1', numbered(1, 'Enqueued'), { expectedRevision: 'no_stream' });
      await store.append('worker-1', numbered(1, 'Heartbeat'), { expectedRevision: 2 });

      const log = (await store.readAll()).map((event) => `${event.stream}@${event.revision}`);
      const replayed = await firstValueFrom(store.subscribeToAll().pipe(take(3), toArray()));

      expect(log).toEqual(['worker-1@2', 'rollout-1@0', 'worker-1@3']);
      expect(replayed.map((event) => `${event.stream}@${event.revision}`)).toEqual(log);
      await expect(store.headPosition()).resolves.toBe(4);
    });

    it('reads from the oldest kept event when asked for a trimmed revision', async () => {
      await store.append('ticks', numbered(6, 'Ticked'), { expectedRevision: 'no_stream' });
      await store.setStreamMaxCount('ticks', 2);

      const forwards = await store.read('ticks', { fromRevision: 1 });
      const backwards = await store.read('ticks', { direction: 'backwards', fromRevision: 3 });

      expect(forwards.map((event) => event.revision)).toEqual([4, 5]);
      expect(backwards).toEqual([]);
    });

    it('hands events to subscribers after the append that stored them has returned', async () => {
      const seen: number[] = [];
      const subscription = store.subscribeToAll().subscribe((event) => seen.push(event.position));

      await store.append('a', numbered(3), { expectedRevision: 'any' });
      const seenWhenAcknowledged = [...seen];
      await store.append('a', [{ type: 'Last', data: null }], { expectedRevision: 2 });
      await firstValueFrom(store.subscribeToStream('a', { fromRevision: 3 }));
      subscription.unsubscribe();

      expect(seenWhenAcknowledged).toEqual([]);
      expect(seen).toEqual([0, 1, 2, 3]);
    });

    it.each([
      ['an empty batch', () => store.append('s', [], { expectedRevision: 'any' }), /at least one/],
      [
        'an empty stream name',
        () => store.append('', numbered(1), { expectedRevision: 'any' }),
        /stream name/,
      ],
      [
        'a negative expected revision',
        () => store.append('s', numbered(1), { expectedRevision: -1 }),
        /expectedRevision/,
      ],
      [
        'an event without a type',
        () => store.append('s', [{ type: '', data: 1 }], { expectedRevision: 'any' }),
        /type/,
      ],
      [
        'undefined data',
        () => store.append('s', [{ type: 'T', data: undefined }], { expectedRevision: 'any' }),
        /not JSON-serialisable/,
      ],
      ['a negative maxCount', () => store.read('s', { maxCount: -1 }), /maxCount/],
      ['a zero stream limit', () => store.setStreamMaxCount('s', 0), /maxCount for s/],
    ])('refuses %s with an error that says what is wrong', async (_, attempt, message) => {
      await expect(attempt()).rejects.toThrow(message);
      await expect(store.headPosition()).resolves.toBe(-1);
    });

    it('refuses reads and new subscriptions once closed', async () => {
      await store.close();

      await expect(store.read('s')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.readAll()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.headPosition()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(lastValueFrom(store.subscribeToAll())).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
    });
  });
}
