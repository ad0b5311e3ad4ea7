import { describe, expect, it } from 'vitest';
import { createRolloutCache } from '../../src/app/rollout-cache.ts';
import { executeRolloutCommand } from '../../src/app/rollout-commands.ts';
import { rolloutStream, type RolloutCommand } from '../../src/domain/index.ts';
import { createMemoryStore } from '../../src/eventstore/memory.ts';

const enqueue: RolloutCommand = {
  type: 'EnqueueRollout',
  rolloutId: 'r1',
  input: { n: 1 },
  maxAttempts: 3,
  at: 1_000,
};
const start = (attemptId: string, workerId: string): RolloutCommand => ({
  type: 'StartAttempt',
  rolloutId: 'r1',
  attemptId,
  workerId,
  at: 2_000,
});
const complete = (attemptId: string, workerId: string, status: 'succeeded' | 'failed') =>
  ({
    type: 'CompleteAttempt',
    rolloutId: 'r1',
    attemptId,
    workerId,
    status,
    lastHeartbeatAt: 2_000,
    at: 3_000,
  }) satisfies RolloutCommand;

/** A store with r1 enqueued through `cache`, so the cache holds it at revision 0. */
async function enqueuedWithCache() {
  const store = createMemoryStore();
  const cache = createRolloutCache();
  const enqueued = await executeRolloutCommand(store, 'r1', enqueue, { cache });
  expect(enqueued.ok).toBe(true);
  expect(cache.get('r1')?.revision).toBe(0);
  return { store, cache };
}

describe('rollout commands decided from the cache', () => {
  it('decide from the cached state and refresh it after the append, without reading the stream', async () => {
    const { store, cache } = await enqueuedWithCache();
    const reads: string[] = [];
    const read = store.read.bind(store);
    store.read = (stream, options) => {
      reads.push(stream);
      return read(stream, options);
    };
    const started = await executeRolloutCommand(store, 'r1', start('a1', 'w1'), { cache });
    expect(started.ok).toBe(true);
    expect(reads).toEqual([]);
    expect(cache.get('r1')?.revision).toBe(1);
  });

  it('a conflict from another writer forgets the cached state, and the command succeeds from the stream', async () => {
    const { store, cache } = await enqueuedWithCache();

    // Another process (no cache) runs an attempt that fails: the rollout is requeued at revision 3.
    await executeRolloutCommand(store, 'r1', start('a1', 'other'));
    await executeRolloutCommand(store, 'r1', complete('a1', 'other', 'failed'));

    const result = await executeRolloutCommand(store, 'r1', start('a2', 'w1'), { cache });
    expect(result.ok && result.state.exists && result.state.attempts.length).toBe(2);
    const types = (await store.read(rolloutStream('r1'))).map((e) => e.type);
    expect(types).toEqual([
      'RolloutEnqueued',
      'AttemptStarted',
      'AttemptFailed',
      'RolloutRequeued',
      'AttemptStarted',
    ]);
    expect(cache.get('r1')?.revision).toBe(4);
  });

  it('a conflict that makes the command wrong answers the rejection the stream gives', async () => {
    const { store, cache } = await enqueuedWithCache();
    await executeRolloutCommand(store, 'r1', start('a1', 'other'));

    const result = await executeRolloutCommand(store, 'r1', start('a2', 'w1'), { cache });
    expect(result.ok ? 'accepted' : result.rejection.code).toBe('rollout_not_claimable');
    expect(cache.get('r1')).toBeUndefined();
  });

  it('a rejection from a stale cached state is decided again from the stream', async () => {
    const { store, cache } = await enqueuedWithCache();
    await executeRolloutCommand(store, 'r1', start('a1', 'other'));

    // The cache has never seen attempt a1; the stream has.
    const result = await executeRolloutCommand(store, 'r1', complete('a1', 'other', 'succeeded'), {
      cache,
    });
    expect(result.ok && result.events.map((e) => e.type)).toEqual([
      'AttemptSucceeded',
      'RolloutSucceeded',
    ]);
    expect(cache.get('r1')).toBeUndefined();
  });

  it('a decision that must read the stream does, even when the cache holds the rollout', async () => {
    const { store, cache } = await enqueuedWithCache();
    await executeRolloutCommand(store, 'r1', start('a1', 'other'));

    const seen: string[] = [];
    const result = await executeRolloutCommand(
      store,
      'r1',
      async (state) => {
        seen.push(state.exists ? state.status : 'missing');
        return complete('a1', 'other', 'failed');
      },
      { cache, fromStream: true },
    );
    expect(seen).toEqual(['running']);
    expect(result.ok).toBe(true);
    expect(cache.get('r1')?.state).toMatchObject({ status: 'requeuing' });
  });
});
