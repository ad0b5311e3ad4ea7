import { describe, expect, it } from 'vitest';
import { createRolloutCache } from '../../src/app/rollout-cache.ts';
import type { RolloutState, RolloutStatus } from '../../src/domain/index.ts';

const rollout = (rolloutId: string, status: RolloutStatus): RolloutState => ({
  exists: true,
  rolloutId,
  input: null,
  maxAttempts: 3,
  status,
  attempts: [],
});

describe('rollout cache', () => {
  it('answers the state an append ended at, until it is forgotten', () => {
    const cache = createRolloutCache();
    cache.remember('r1', { state: rollout('r1', 'queuing'), revision: 0 });
    expect(cache.get('r1')?.revision).toBe(0);
    cache.forget('r1');
    expect(cache.get('r1')).toBeUndefined();
  });

  it('never replaces a newer revision with an older one', () => {
    const cache = createRolloutCache();
    cache.remember('r1', { state: rollout('r1', 'running'), revision: 1 });
    cache.remember('r1', { state: rollout('r1', 'queuing'), revision: 0 });
    expect(cache.get('r1')).toEqual({ state: rollout('r1', 'running'), revision: 1 });
  });

  it('keeps no finished rollout', () => {
    const cache = createRolloutCache();
    cache.remember('r1', { state: rollout('r1', 'running'), revision: 1 });
    cache.remember('r1', { state: rollout('r1', 'succeeded'), revision: 3 });
    cache.remember('r2', { state: rollout('r2', 'failed'), revision: 2 });
    expect(cache.get('r1')).toBeUndefined();
    expect(cache.size()).toBe(0);
  });

  it('holds at most its capacity, dropping the rollout decided longest ago', () => {
    const cache = createRolloutCache(2);
    cache.remember('r1', { state: rollout('r1', 'queuing'), revision: 0 });
    cache.remember('r2', { state: rollout('r2', 'queuing'), revision: 0 });
    cache.remember('r1', { state: rollout('r1', 'running'), revision: 1 });
    cache.remember('r3', { state: rollout('r3', 'queuing'), revision: 0 });
    expect(cache.size()).toBe(2);
    expect(cache.get('r2')).toBeUndefined();
    expect(cache.get('r1')?.revision).toBe(1);
    expect(cache.get('r3')?.revision).toBe(0);
  });
});
