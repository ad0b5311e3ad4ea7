import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/eventstore/memory.ts';
import { ConcurrencyError, StoreUnavailableError } from '../../src/eventstore/port.ts';

describe('memory store', () => {
  it('appends events and reads them back in order with revisions and positions', async () => {
    const store = createMemoryStore();
    await store.append(
      'rollout-a',
      [
        { type: 'A', data: { n: 1 } },
        { type: 'B', data: { n: 2 } },
      ],
      {
        expectedRevision: 'no_stream',
      },
    );
    const result = await store.append('rollout-b', [{ type: 'C', data: {} }], {
      expectedRevision: 'no_stream',
    });

    expect(result).toEqual({ revision: 0, position: 2 });
    const events = await store.read('rollout-a');
    expect(events.map((e) => [e.type, e.revision, e.position])).toEqual([
      ['A', 0, 0],
      ['B', 1, 1],
    ]);
  });

  it('rejects an append whose expected revision is stale', async () => {
    const store = createMemoryStore();
    await store.append('s', [{ type: 'A', data: 1 }], { expectedRevision: 'no_stream' });

    await expect(
      store.append('s', [{ type: 'B', data: 2 }], { expectedRevision: 'no_stream' }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('delivers stored then live events to a subscriber of the whole log', async () => {
    const store = createMemoryStore();
    await store.append('s', [{ type: 'A', data: 1 }], { expectedRevision: 'any' });
    const received = firstValueFrom(store.subscribeToAll().pipe(take(2), toArray()));
    await store.append('s', [{ type: 'B', data: 2 }], { expectedRevision: 'any' });

    expect((await received).map((e) => e.type)).toEqual(['A', 'B']);
  });

  it('refuses appends once closed', async () => {
    const store = createMemoryStore();
    await store.close();

    await expect(
      store.append('s', [{ type: 'A', data: 1 }], { expectedRevision: 'any' }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
